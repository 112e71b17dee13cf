using System.Text.Json;
using N = Vpn.Perf.Api.SingBox.SingBoxNames;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// Writes one <see cref="ProxyOutbound"/> as a sing-box outbound, keys in a fixed order: type, tag, server,
/// server_port, the protocol's own fields, tls, transport. Only keys sing-box 1.12 and 1.13 both accept, and only
/// those with a non-default value.
/// </summary>
internal static class OutboundWriter
{
    public static void Write(Utf8JsonWriter w, ProxyOutbound outbound)
    {
        InboundSpec inbound = outbound.Inbound;
        w.WriteStartObject();
        w.WriteString(N.Type, N.Of(inbound.Protocol));
        w.WriteString(N.Tag, outbound.Tag);
        w.WriteString(N.Server, inbound.Host);
        w.WriteNumber(N.ServerPort, inbound.Port);
        switch (inbound.Settings)
        {
            case VlessSettings vless:
                w.WriteString(N.Uuid, outbound.Uuid);
                if (vless.Flow.Length > 0) w.WriteString(N.Flow, vless.Flow);
                break;
            case VmessSettings vmess:
                w.WriteString(N.Uuid, outbound.Uuid);
                w.WriteString(N.Security, vmess.Security);
                break;
            case TrojanSettings:
                w.WriteString(N.Password, outbound.Password);
                break;
            case ShadowsocksSettings ss:
                w.WriteString(N.Method, ss.Method);
                w.WriteString(N.Password, outbound.Password);
                break;
            case Hysteria2Settings hy2:
                if (hy2.UpMbps is { } up) w.WriteNumber(N.UpMbps, up);
                if (hy2.DownMbps is { } down) w.WriteNumber(N.DownMbps, down);
                if (hy2.ObfsPassword is { } obfsPassword)
                {
                    w.WriteStartObject(N.Obfs);
                    w.WriteString(N.Type, N.Salamander);
                    w.WriteString(N.Password, obfsPassword);
                    w.WriteEndObject();
                }
                w.WriteString(N.Password, outbound.Password);
                break;
            case TuicSettings tuic:
                w.WriteString(N.Uuid, outbound.Uuid);
                w.WriteString(N.Password, outbound.Password);
                if (tuic.CongestionControl is { } cc) w.WriteString(N.CongestionControl, cc);
                if (tuic.UdpRelayMode is { } relay) w.WriteString(N.UdpRelayMode, relay);
                if (tuic.ZeroRttHandshake) w.WriteBoolean(N.ZeroRttHandshake, true);
                break;
        }
        if (inbound.Tls is { } tls) WriteTls(w, tls);
        if (inbound.Transport is { } transport) WriteTransport(w, transport);
        w.WriteEndObject();
    }

    private static void WriteTls(Utf8JsonWriter w, TlsSpec tls)
    {
        w.WriteStartObject(N.Tls);
        w.WriteBoolean(N.Enabled, true);
        if (tls.ServerName is { } serverName) w.WriteString(N.ServerName, serverName);
        if (tls.Insecure) w.WriteBoolean(N.Insecure, true);
        if (!tls.Alpn.IsDefaultOrEmpty)
        {
            w.WriteStartArray(N.Alpn);
            foreach (string protocol in tls.Alpn) w.WriteStringValue(protocol);
            w.WriteEndArray();
        }
        if (tls.Fingerprint is { } fingerprint)
        {
            w.WriteStartObject(N.Utls);
            w.WriteBoolean(N.Enabled, true);
            w.WriteString(N.Fingerprint, fingerprint);
            w.WriteEndObject();
        }
        if (tls.Reality is { } reality)
        {
            w.WriteStartObject(N.Reality);
            w.WriteBoolean(N.Enabled, true);
            w.WriteString(N.PublicKey, reality.PublicKey);
            if (reality.ShortId.Length > 0) w.WriteString(N.ShortId, reality.ShortId);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteTransport(Utf8JsonWriter w, TransportSpec transport)
    {
        w.WriteStartObject(N.Transport);
        switch (transport)
        {
            case WsTransport ws:
                w.WriteString(N.Type, N.Ws);
                w.WriteString(N.Path, ws.Path);
                if (ws.Host is { } host)
                {
                    // sing-box's ws transport has no host key; the Host header goes into headers.
                    w.WriteStartObject(N.Headers);
                    w.WriteString(N.HostHeader, host);
                    w.WriteEndObject();
                }
                if (ws.MaxEarlyData > 0)
                {
                    w.WriteNumber(N.MaxEarlyData, ws.MaxEarlyData);
                    w.WriteString(N.EarlyDataHeaderName, N.SecWebSocketProtocol); // the Xray-compatible header
                }
                break;
            case GrpcTransport grpc:
                w.WriteString(N.Type, N.Grpc);
                w.WriteString(N.ServiceName, grpc.ServiceName);
                break;
            case HttpTransport http:
                w.WriteString(N.Type, N.Http);
                if (!http.Hosts.IsDefaultOrEmpty)
                {
                    w.WriteStartArray(N.Host);
                    foreach (string h in http.Hosts) w.WriteStringValue(h);
                    w.WriteEndArray();
                }
                w.WriteString(N.Path, http.Path);
                break;
            case HttpUpgradeTransport upgrade:
                w.WriteString(N.Type, N.HttpUpgrade);
                if (upgrade.Host is { } upgradeHost) w.WriteString(N.Host, upgradeHost);
                w.WriteString(N.Path, upgrade.Path);
                break;
            case QuicTransport:
                w.WriteString(N.Type, N.Quic);
                break;
        }
        w.WriteEndObject();
    }
}
