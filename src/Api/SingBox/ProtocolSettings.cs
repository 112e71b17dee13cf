namespace Vpn.Perf.Api.SingBox;

/// <summary>What one protocol needs beyond server, port, TLS and transport. Credentials are not here: they come from the subscription.</summary>
internal abstract record ProtocolSettings;
