using System.Text;

namespace Vpn.Perf.Api.ShareLinks;

/// <summary>
/// A URI query under construction: each value percent-encoded (RFC 3986 unreserved characters kept), empty values
/// left out, so a link never carries <c>key=</c> that an app could read as "set to nothing".
/// </summary>
internal readonly struct LinkQuery(StringBuilder text)
{
    public void Add(string key, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        if (text.Length > 0) text.Append('&');
        text.Append(key).Append('=').Append(Uri.EscapeDataString(value));
    }

    public void AddFlag(string key, bool on)
    {
        if (on) Add(key, "1");
    }
}
