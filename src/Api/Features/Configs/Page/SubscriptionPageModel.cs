namespace Vpn.Perf.Api.Features.Configs.Page;

/// <summary>What the subscription page shows; raw values, encoded only by <see cref="SubscriptionPage"/>.</summary>
/// <param name="Title">The subscription's title (or the operator's default).</param>
/// <param name="Description">The subscription's notes; empty for none.</param>
/// <param name="ConfigUrl">The absolute config URL (the configured public base, never the Host header).</param>
/// <param name="UsedBytes">Bytes used this period; null when Redis could not be read.</param>
/// <param name="LimitBytes">The effective traffic limit; null for unlimited.</param>
/// <param name="OverLimit">The limit is reached: apps get the stub.</param>
/// <param name="NextResetMs">When usage resets (unix ms); null when it never does.</param>
/// <param name="ExpiresAtMs">When the subscription expires (unix ms); null for never.</param>
/// <param name="DeviceCount">Registered devices.</param>
/// <param name="DeviceLimit">The effective device limit; null when devices are not limited (the line is left out).</param>
/// <param name="QrPng">The QR code of <paramref name="ConfigUrl"/>.</param>
internal sealed record SubscriptionPageModel(
    string Title, string Description, string ConfigUrl, long? UsedBytes, long? LimitBytes, bool OverLimit, long? NextResetMs, long? ExpiresAtMs,
    int DeviceCount, int? DeviceLimit, byte[] QrPng);
