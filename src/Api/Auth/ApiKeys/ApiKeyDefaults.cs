namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>Names of the API-key authentication scheme and of the scheme that picks between it and JWT bearer.</summary>
internal static class ApiKeyDefaults
{
    public const string Scheme = "ApiKey";

    /// <summary>The default scheme: forwards to <see cref="Scheme"/> when a key is presented, otherwise to JWT bearer.</summary>
    public const string SelectorScheme = "BearerOrApiKey";

    public const string Header = "X-Api-Key";
}
