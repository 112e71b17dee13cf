namespace Vpn.Perf.Api.SingBox;

/// <summary>A V2Ray transport under vless, vmess or trojan; null on an inbound means plain TCP.</summary>
internal abstract record TransportSpec;
