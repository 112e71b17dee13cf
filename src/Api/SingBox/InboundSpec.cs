namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// An inbound row (protocol, host, port, network, tls, settings) checked against what sing-box 1.12 and 1.13 accept
/// as a client, in typed, immutable form. The only way to get one is <see cref="TryParse(string?, string?, int, string?, string?, System.Text.Json.JsonElement, out InboundSpec?, out Dictionary{string, string[]})"/>,
/// so a spec that exists renders into an outbound sing-box starts with. The settings keys are documented in
/// docs/inbound-settings.md.
/// </summary>
internal sealed partial class InboundSpec
{
    private InboundSpec(InboundProtocol protocol, string host, int port, InboundNetwork network, InboundSecurity security, TlsSpec? tls,
        TransportSpec? transport, ProtocolSettings settings)
    {
        Protocol = protocol;
        Host = host;
        Port = port;
        Network = network;
        Security = security;
        Tls = tls;
        Transport = transport;
        Settings = settings;
    }

    public InboundProtocol Protocol { get; }

    /// <summary>The server address clients dial: a DNS name or an IP literal.</summary>
    public string Host { get; }

    public int Port { get; }

    public InboundNetwork Network { get; }

    public InboundSecurity Security { get; }

    /// <summary>Null exactly when <see cref="Security"/> is <see cref="InboundSecurity.None"/>.</summary>
    public TlsSpec? Tls { get; }

    /// <summary>Null for plain TCP and for hysteria2/tuic (their own QUIC).</summary>
    public TransportSpec? Transport { get; }

    /// <summary>One of <see cref="VlessSettings"/>, <see cref="VmessSettings"/>, <see cref="TrojanSettings"/>,
    /// <see cref="ShadowsocksSettings"/>, <see cref="Hysteria2Settings"/>, <see cref="TuicSettings"/>, matching <see cref="Protocol"/>.</summary>
    public ProtocolSettings Settings { get; }

    /// <summary>True for the protocols whose transport is QUIC (their own or the V2Ray quic transport): no uTLS, no REALITY there.</summary>
    public bool RunsOverQuic => Protocol is InboundProtocol.Hysteria2 or InboundProtocol.Tuic || Network == InboundNetwork.Quic;
}
