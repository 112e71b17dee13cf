using Microsoft.Extensions.Primitives;

namespace Vpn.Perf.Api.Features.Configs.Page;

/// <summary>
/// Is this fetch of a config URL a person's browser? Both must hold: <c>Accept</c> names <c>text/html</c> (every
/// browser's navigation does; the apps send <c>*/*</c> or nothing) and the User-Agent is a browser's
/// (<c>Mozilla/5.0 (</c>, which every engine still sends, and none of the apps' names). Asked only when the URL names no
/// format, after the format is chosen: two header reads and ordinal scans, no allocation, so app fetches pay nothing
/// measurable.
/// </summary>
internal static class BrowserRequest
{
    public static bool IsBrowser(IHeaderDictionary headers) => AcceptsHtml(headers.Accept) && IsBrowserAgent(headers.UserAgent);

    /// <summary><c>text/html</c> among the media ranges, not refused with <c>q=0</c>.</summary>
    private static bool AcceptsHtml(StringValues accept)
    {
        foreach (string? value in accept)
        {
            if (value is null) continue;
            foreach (Range range in value.AsSpan().Split(','))
            {
                ReadOnlySpan<char> item = value.AsSpan(range).Trim();
                int semicolon = item.IndexOf(';');
                ReadOnlySpan<char> type = (semicolon < 0 ? item : item[..semicolon]).TrimEnd();
                if (!type.Equals("text/html", StringComparison.OrdinalIgnoreCase)) continue;
                return semicolon < 0 || !IsZeroQuality(item[(semicolon + 1)..]);
            }
        }
        return false;
    }

    private static bool IsZeroQuality(ReadOnlySpan<char> parameters)
    {
        foreach (Range range in parameters.Split(';'))
        {
            ReadOnlySpan<char> p = parameters[range].Trim();
            if (p.StartsWith("q=", StringComparison.OrdinalIgnoreCase)) return p[2..].TrimStart('0').TrimStart('.').TrimStart('0').IsEmpty;
        }
        return false;
    }

    private static bool IsBrowserAgent(StringValues userAgent)
        => userAgent.Count == 1 && userAgent[0] is { } ua && ua.StartsWith("Mozilla/5.0 (", StringComparison.Ordinal);
}
