using System.Globalization;

namespace Vpn.Perf.Api.SingBox;

/// <param name="Path">Request path, starting with '/'.</param>
/// <param name="Host">Host header, or null (sing-box's ws has no <c>host</c> key: it goes into <c>headers</c>).</param>
/// <param name="MaxEarlyData">Bytes of early data sent in the handshake header; 0 = off.</param>
internal sealed record WsTransport(string Path, string? Host, int MaxEarlyData) : TransportSpec
{
    /// <summary>
    /// The path as Xray and the share links spell early data: <c>?ed=</c> on it (the header is Sec-WebSocket-Protocol,
    /// as the sing-box config sets it).
    /// </summary>
    public string PathWithEarlyData => MaxEarlyData > 0 ? Path + "?ed=" + MaxEarlyData.ToString(CultureInfo.InvariantCulture) : Path;
}
