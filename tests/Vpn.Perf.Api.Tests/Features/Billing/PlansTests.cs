using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vpn.Perf.Api.Features.Billing;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Billing;

public sealed class PlansTests
{
    [Fact]
    public async Task Plans_CreateUpdateRetire_PublicListShowsActiveOnlyAndStaffSeeAll()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Plans_CreateUpdateRetire_PublicListShowsActiveOnlyAndStaffSeeAll));
        (Guid node, Guid inbound) = await kit.InboundAsync();
        JsonElement created = await kit.CreatePlanAsync([inbound], price: "500", currency: "JPY", nodes: [node]);
        Guid id = created.GetProperty("id").GetGuid();
        Assert.Equal("500", created.GetProperty("price").GetString());
        Assert.Equal([inbound], created.GetProperty("inboundIds").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal([node], created.GetProperty("nodeIds").EnumerateArray().Select(e => e.GetGuid()));
        Guid retired = (await kit.CreatePlanAsync([inbound], price: "10", name: "Old")).GetProperty("id").GetGuid();
        Assert.Equal("10.00", (await BillingKit.JsonAsync(await kit.Anonymous().GetAsync($"/api/v1/plans/{retired}"), HttpStatusCode.OK)).GetProperty("price").GetString());

        HttpClient staff = kit.Staff();
        HttpResponseMessage update = await staff.PutAsJsonAsync($"/api/v1/plans/{id}", new
        {
            name = "Yearly", price = 4800, currency = "JPY", duration = "P1Y", deviceLimit = 5, inboundIds = new[] { inbound }, version = 1,
        });
        JsonElement updated = await BillingKit.JsonAsync(update, HttpStatusCode.OK);
        Assert.Equal("4800", updated.GetProperty("price").GetString());
        Assert.Equal(2, updated.GetProperty("version").GetInt64());
        Assert.Equal(0, updated.GetProperty("nodeIds").GetArrayLength());
        await ProblemAssert.IsAsync(await staff.PutAsJsonAsync($"/api/v1/plans/{id}", new
        {
            name = "Stale", price = "1", currency = "JPY", duration = "P1Y", inboundIds = new[] { inbound }, version = 1,
        }), HttpStatusCode.PreconditionFailed, "stale-version");

        await BillingKit.JsonAsync(await staff.PostAsync($"/api/v1/plans/{retired}/retire", null), HttpStatusCode.OK);
        JsonElement publicList = await BillingKit.JsonAsync(await kit.Anonymous().GetAsync("/api/v1/plans"), HttpStatusCode.OK);
        Assert.Equal([id], publicList.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetGuid()));
        JsonElement staffList = await BillingKit.JsonAsync(await staff.GetAsync("/api/v1/plans?all=true"), HttpStatusCode.OK);
        Assert.Equal(2, staffList.GetProperty("items").GetArrayLength());
        (_, HttpClient customer) = await kit.CustomerAsync();
        await ProblemAssert.IsAsync(await customer.GetAsync("/api/v1/plans?all=true"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await kit.Anonymous().GetAsync($"/api/v1/plans/{Ids.NewId()}"), HttpStatusCode.NotFound, "not-found");

        Assert.Equal(2L, await kit.AuditCountAsync("plan.create"));
        Assert.Equal(1L, await kit.AuditCountAsync("plan.update"));
        Assert.Equal(1L, await kit.AuditCountAsync("plan.retire"));
    }

    [Fact]
    public async Task Plans_InvalidFields_AreRefusedPerFieldAndUnknownGrantsAre409()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Plans_InvalidFields_AreRefusedPerFieldAndUnknownGrantsAre409));
        HttpClient staff = kit.Staff();
        await AdminTestKit.ValidationAsync(await staff.PostAsJsonAsync("/api/v1/plans", new { }), "currency", "duration", "inboundIds", "name", "price");
        await AdminTestKit.ValidationAsync(await staff.PostAsJsonAsync("/api/v1/plans", new
        {
            name = "x", price = "9.999", currency = "USD", duration = "P1M", maxTraffic = -1, maxSpeed = -1, trafficResetPeriod = "monthly",
            deviceLimit = -1, inboundIds = new[] { Guid.NewGuid() },
        }), "deviceLimit", "maxSpeed", "maxTraffic", "price", "trafficResetPeriod");
        await AdminTestKit.ValidationAsync(await staff.PostAsJsonAsync("/api/v1/plans", new
        {
            name = "x", price = "1.5", currency = "JPY", duration = "PT1S", inboundIds = new[] { Guid.NewGuid() },
        }), "duration", "price");
        await AdminTestKit.ValidationAsync(await staff.PostAsJsonAsync("/api/v1/plans", new
        {
            name = "x", price = "0", currency = "usd", duration = "P1M", inboundIds = new[] { Guid.NewGuid() },
        }), "currency");
        await AdminTestKit.ValidationAsync(await staff.PostAsJsonAsync("/api/v1/plans", new
        {
            name = "x", price = "0", currency = "XYZ", duration = "P1M", inboundIds = new[] { Guid.NewGuid() },
        }), "currency");
        await AdminTestKit.ValidationAsync(await staff.PostAsJsonAsync("/api/v1/plans", new
        {
            name = "x", price = "0.00", currency = "EUR", duration = "P1M", inboundIds = new[] { Guid.NewGuid() },
        }), "price");

        await ProblemAssert.IsAsync(await staff.PostAsJsonAsync("/api/v1/plans", new
        {
            name = "x", price = "1", currency = "EUR", duration = "P1M", inboundIds = new[] { Guid.NewGuid() },
        }), HttpStatusCode.Conflict, "reference-missing");
        await ProblemAssert.IsAsync(await staff.PostAsJsonAsync("/api/v1/plans", new
        {
            name = "x", price = "1", currency = "EUR", duration = "P1M", nodeIds = new[] { Guid.NewGuid() },
        }), HttpStatusCode.Conflict, "reference-missing");
        Assert.Equal(0L, await kit.ScalarAsync<long>("select count(*) from plans"));
    }

    [Fact]
    public void Currencies_MinorUnits_DecideTheAllowedDecimalsAndTheWrittenForm()
    {
        Assert.True(Currencies.TryGetMinorUnits("USD", out int usd, out _));
        Assert.Equal(2, usd);
        Assert.True(Currencies.TryGetMinorUnits("JPY", out int jpy, out _));
        Assert.Equal(0, jpy);
        Assert.True(Currencies.TryGetMinorUnits("KWD", out int kwd, out _));
        Assert.Equal(3, kwd);
        Assert.False(Currencies.TryGetMinorUnits("usd", out _, out _));
        Assert.False(Currencies.TryGetMinorUnits("US", out _, out _));
        Assert.False(Currencies.TryGetMinorUnits("ZZZ", out _, out _));
        Assert.Null(Currencies.CheckAmount(1.250m, 3));
        Assert.NotNull(Currencies.CheckAmount(1.2505m, 3));
        Assert.Null(Currencies.CheckAmount(9.990m, 2)); // trailing zeros are not extra precision
        Assert.Equal("10.00", Currencies.Normalize(10m, "EUR").ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("1.250", Currencies.Normalize(1.25m, "KWD").ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("500", Currencies.Normalize(500.0m, "JPY").ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
