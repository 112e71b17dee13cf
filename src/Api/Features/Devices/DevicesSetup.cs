namespace Vpn.Perf.Api.Features.Devices;

internal static class DevicesSetup
{
    /// <summary>The device gate of the config path, its stub, the batched last-seen writer, and the endpoints' JSON.</summary>
    public static IServiceCollection AddDevices(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DeviceOptions>(configuration.GetSection(DeviceOptions.Section));
        services.AddSingleton<DeviceLimitStub>();
        services.AddSingleton<DeviceSeenRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceSeenRecorder>());
        services.AddSingleton<DeviceGate>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, DevicesJsonContext.Default));
        return services;
    }
}
