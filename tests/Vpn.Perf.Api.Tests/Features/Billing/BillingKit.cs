using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Billing.Webhooks;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Billing;

/// <summary>
/// One billing test's world: the Api on a database of its own with a provider "test" (two webhook secrets, as during
/// a rotation), the expiry job off (tests run it by hand), staff and customer clients, and seed and assert helpers.
/// With a <see cref="MutableTime"/>, requests go to a host whose clock the test moves; tokens are still minted on the
/// real clock, which is what validates them.
/// </summary>
internal sealed class BillingKit : IAsyncDisposable
{
    public const string Provider = "test";
    public const string Secret = "whsec_test_new_0123456789abcdef";
    public const string OldSecret = "whsec_test_old_fedcba9876543210";

    private readonly WebApplicationFactory<Program> _host;

    private BillingKit(ApiFactory api, WebApplicationFactory<Program> host, NpgsqlDataSource db, TimeProvider time)
    {
        Api = api;
        _host = host;
        Db = db;
        Seed = new ConfigSeed(db);
        Time = time;
    }

    public ApiFactory Api { get; }

    public NpgsqlDataSource Db { get; }

    public ConfigSeed Seed { get; }

    public TimeProvider Time { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary><c>/s/{token}</c> of a subscription once this Api's token index has it (a purchase's arrives by notification).</summary>
    public Task<string> ConfigPathAsync(Guid subscription) => ConfigEndpointTests.PathOfAsync(Services, Seed, subscription);

    public static async Task<BillingKit> StartAsync(string testName, TimeProvider? time = null, Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            [Passwords.CostKey] = "4",
            ["Billing:Providers:test:Secrets:0"] = Secret,
            ["Billing:Providers:test:Secrets:1"] = OldSecret,
            ["Billing:ExpiryJobEnabled"] = "false",
        };
        if (settings is not null)
        {
            foreach (var (key, value) in settings) all[key] = value;
        }
        ApiFactory api = await ApiFactory.StartAsync("Billing." + testName, all);
        WebApplicationFactory<Program> host = time is null ? api : api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton(time)));
        return new BillingKit(api, host, api.OpenDataSource(), time ?? TimeProvider.System);
    }

    public HttpClient Anonymous() => _host.CreateClient();

    public HttpClient As(Guid userId, string role)
    {
        HttpClient client = _host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Api.Tokens.Issue(userId, role, Guid.NewGuid()));
        return client;
    }

    public HttpClient Staff() => As(Guid.NewGuid(), Roles.Operator);

    public async Task<(Guid Id, HttpClient Client)> CustomerAsync()
    {
        Guid id = await Seed.UserAsync();
        return (id, As(id, Roles.Customer));
    }

    /// <summary>A node with one REALITY inbound that renders (docs/inbound-settings.md).</summary>
    public async Task<(Guid Node, Guid Inbound)> InboundAsync(string? nodeName = null)
    {
        Guid node = await Seed.NodeAsync(nodeName ?? "node-" + Guid.NewGuid().ToString("N")[..8]);
        Guid inbound = await Seed.InboundAsync(node, "vless", "vless", "tcp", "reality", ConfigSeed.RealitySettings);
        return (node, inbound);
    }

    public async Task<JsonElement> CreatePlanAsync(Guid[] inbounds, string price = "9.99", string currency = "USD", string duration = "P1M",
        long? maxTraffic = 107_374_182_400, long? maxSpeed = 50_000_000, string? resetPeriod = "P1M", int? deviceLimit = 3, Guid[]? nodes = null,
        string name = "Monthly")
    {
        HttpResponseMessage r = await Staff().PostAsJsonAsync("/api/v1/plans", new
        {
            name, description = "A plan", price, currency, duration, maxTraffic, maxSpeed, trafficResetPeriod = resetPeriod, deviceLimit,
            inboundIds = inbounds, nodeIds = nodes ?? [],
        });
        return await JsonAsync(r, HttpStatusCode.Created);
    }

    /// <summary>A plan granting one fresh inbound; returns the plan id.</summary>
    public async Task<Guid> PlanAsync(string price = "9.99", string currency = "USD", string duration = "P1M")
    {
        (_, Guid inbound) = await InboundAsync();
        return (await CreatePlanAsync([inbound], price, currency, duration)).GetProperty("id").GetGuid();
    }

    public static Task<HttpResponseMessage> PurchaseAsync(HttpClient customer, Guid plan, string? key = null, string? provider = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments") { Content = JsonContent.Create(new { planId = plan, provider }) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return customer.SendAsync(request);
    }

    /// <summary>A pending payment of a fresh customer for the plan: (payment id, customer id, customer client).</summary>
    public async Task<(Guid Payment, Guid Customer, HttpClient Client)> PendingAsync(Guid plan)
    {
        (Guid customer, HttpClient client) = await CustomerAsync();
        JsonElement payment = await JsonAsync(await PurchaseAsync(client, plan), HttpStatusCode.Created);
        return (payment.GetProperty("id").GetGuid(), customer, client);
    }

    public static string Event(string type, Guid payment, string amount = "9.99", string currency = "USD", string? id = null, string? providerPaymentId = null)
        => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = id ?? "evt_" + Guid.NewGuid().ToString("N"),
            ["type"] = type,
            ["payment_id"] = payment.ToString(),
            ["amount"] = amount,
            ["currency"] = currency,
            ["provider_payment_id"] = providerPaymentId,
        });

    /// <summary>Posts a body signed as the provider would (by default: the current secret, our clock's time).</summary>
    public Task<HttpResponseMessage> SendAsync(string body, string? secret = Secret, long? timestamp = null, string? signature = null,
        string provider = Provider)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        long t = timestamp ?? Time.GetUtcNow().ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/payments/webhook/{provider}") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        signature ??= "t=" + t.ToString(CultureInfo.InvariantCulture) + ",v1=" + WebhookSignature.Sign(Encoding.UTF8.GetBytes(secret!), t, bytes);
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, signature);
        return Anonymous().SendAsync(request);
    }

    /// <summary>Sends <c>payment.succeeded</c> and expects it applied.</summary>
    public async Task<JsonElement> SucceedAsync(Guid payment, string amount = "9.99", string currency = "USD")
    {
        JsonElement ack = await JsonAsync(await SendAsync(Event("payment.succeeded", payment, amount, currency)), HttpStatusCode.OK);
        Assert.Equal("applied", ack.GetProperty("outcome").GetString());
        return ack;
    }

    /// <summary>Counts of everything a webhook can change: equal before and after means nothing changed.</summary>
    public Task<string> StateAsync() => Seed.ScalarAsync<string>("""
        select concat_ws(',', (select string_agg(id::text || ':' || status || ':' || refunded_amount::text, ';' order by id) from payments),
                              (select count(*) from subscriptions), (select count(*) from subscription_inbounds), (select count(*) from invoices),
                              (select count(*) from payment_events), (select count(*) from refunds), (select count(*) from audit_log),
                              (select string_agg(coalesce(expires_at::text, '-'), ';' order by id) from subscriptions))
        """);

    public Task<T> ScalarAsync<T>(string sql, params object[] args) => Seed.ScalarAsync<T>(sql, args);

    public Task<long> AuditCountAsync(string action) => Seed.ScalarAsync<long>("select count(*) from audit_log where action = $1", action);

    public static Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
        => TestSql.JsonAsync(response, expected);

    public static DateTimeOffset Instant(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        if (!ReferenceEquals(_host, Api)) await _host.DisposeAsync();
        await Api.DisposeAsync();
    }
}
