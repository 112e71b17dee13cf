namespace Vpn.Perf.Api.Features.WireGuard;

internal static class WireGuardSetup
{
    /// <summary>The peer key protector (its settings checked at start) and the peer provisioning the linking endpoints call.</summary>
    public static IServiceCollection AddWireGuard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WireGuardOptions>()
            .Bind(configuration.GetSection(WireGuardOptions.Section))
            .Validate(o => o.Problem() is null, "WireGuard settings are invalid: a key must be standard base64 of 32 bytes, ids 1-32 characters and distinct.")
            .ValidateOnStart();
        services.AddSingleton<PeerKeyProtector>();
        services.AddSingleton<WireGuardPeers>();
        return services;
    }
}
