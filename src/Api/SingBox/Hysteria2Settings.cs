namespace Vpn.Perf.Api.SingBox;

/// <param name="ObfsPassword">Salamander obfuscation password, or null for no obfuscation.</param>
/// <param name="UpMbps">Upload bandwidth hint for Brutal; null = BBR.</param>
/// <param name="DownMbps">Download bandwidth hint for Brutal; null = BBR.</param>
internal sealed record Hysteria2Settings(string? ObfsPassword, int? UpMbps, int? DownMbps) : ProtocolSettings;
