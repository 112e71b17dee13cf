using System.Text.RegularExpressions;

namespace Vpn.Perf.Api.Features.Billing;

/// <summary>
/// Settings of billing, section <c>Billing</c>. Providers are <c>Billing:Providers:&lt;name&gt;:Secrets</c>, a list:
/// during a key rotation the new and the old secret both verify, and the old one is removed once the provider signs
/// with the new one only.
/// </summary>
internal sealed partial class BillingOptions
{
    public const string Section = "Billing";

    /// <summary>How far a webhook's signed timestamp may be from our clock, in either direction.</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest webhook body read; a larger one is refused with 413 before it is verified.</summary>
    public int WebhookMaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Provider of a purchase that names none; when unset and exactly one provider is configured, that one.</summary>
    public string? DefaultProvider { get; set; }

    /// <summary>Runs the expiry job (records <c>subscription.expired</c> once per expiry). Expiry itself never waits for it.</summary>
    public bool ExpiryJobEnabled { get; set; } = true;

    public TimeSpan ExpiryJobInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Expired subscriptions the job records per pass (one transaction).</summary>
    public int ExpiryJobBatchSize { get; set; } = 500;

    /// <summary>Webhook secrets per provider name.</summary>
    public IReadOnlyDictionary<string, byte[][]> Providers { get; private set; } = new Dictionary<string, byte[][]>();

    public const int MinSecretLength = 16;

    public static BillingOptions FromConfiguration(IConfiguration configuration)
    {
        IConfigurationSection section = configuration.GetSection(Section);
        var options = section.Get<BillingOptions>() ?? new BillingOptions();
        var providers = new Dictionary<string, byte[][]>(StringComparer.Ordinal);
        foreach (IConfigurationSection provider in section.GetSection("Providers").GetChildren())
        {
            if (!ProviderName().IsMatch(provider.Key))
                throw new InvalidOperationException($"Billing:Providers:{provider.Key}: a provider name is 1-32 characters of a-z, 0-9 and '-'.");
            string[] secrets = [.. provider.GetSection("Secrets").GetChildren().Select(s => s.Value ?? "")];
            if (secrets.Length == 0) throw new InvalidOperationException($"Billing:Providers:{provider.Key}:Secrets is empty; give at least one webhook secret.");
            if (secrets.Any(s => s.Length < MinSecretLength))
                throw new InvalidOperationException($"Billing:Providers:{provider.Key}:Secrets has a secret shorter than {MinSecretLength} characters.");
            providers[provider.Key] = [.. secrets.Select(System.Text.Encoding.UTF8.GetBytes)];
        }
        options.Providers = providers;
        options.Validate();
        return options;
    }

    /// <summary>The provider a purchase uses when it names none, or null when that is ambiguous.</summary>
    public string? ResolveProvider(string? requested)
    {
        if (requested is not null) return Providers.ContainsKey(requested) ? requested : null;
        if (DefaultProvider is not null) return DefaultProvider;
        return Providers.Count == 1 ? Providers.Keys.First() : null;
    }

    private void Validate()
    {
        if (WebhookTolerance <= TimeSpan.Zero || WebhookTolerance > TimeSpan.FromHours(1))
            throw new InvalidOperationException($"Billing:WebhookTolerance is {WebhookTolerance}; it must be positive and at most 1 hour.");
        if (WebhookMaxBodyBytes is < 1024 or > 1024 * 1024)
            throw new InvalidOperationException($"Billing:WebhookMaxBodyBytes is {WebhookMaxBodyBytes}; it must be between 1024 and 1048576.");
        if (DefaultProvider is not null && !Providers.ContainsKey(DefaultProvider))
            throw new InvalidOperationException($"Billing:DefaultProvider '{DefaultProvider}' is not one of Billing:Providers.");
        if (ExpiryJobInterval <= TimeSpan.Zero) throw new InvalidOperationException("Billing:ExpiryJobInterval must be positive.");
        if (ExpiryJobBatchSize is < 1 or > 10_000) throw new InvalidOperationException($"Billing:ExpiryJobBatchSize is {ExpiryJobBatchSize}; it must be between 1 and 10000.");
    }

    [GeneratedRegex("^[a-z0-9-]{1,32}$")]
    internal static partial Regex ProviderName();
}
