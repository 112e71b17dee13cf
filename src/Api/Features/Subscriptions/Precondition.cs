using System.Globalization;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// The version a change expects, from <c>If-Match</c> (the <c>ETag</c> of a read, <c>"7"</c>) or a <c>version</c> field.
/// <c>If-Match: *</c> is present but matches any version (RFC 9110 §13.1.1).
/// </summary>
internal readonly record struct Precondition(bool Present, long? Version)
{
    public static string ETag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    public static Precondition Read(HttpRequest request, long? bodyVersion, FieldErrors errors)
    {
        string header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0) return new Precondition(bodyVersion is not null, bodyVersion);
        if (header == "*") return new Precondition(true, bodyVersion);

        ReadOnlySpan<char> tag = header.AsSpan();
        if (tag.StartsWith("W/", StringComparison.Ordinal)) tag = tag[2..];
        tag = tag.Trim('"');
        if (!long.TryParse(tag, NumberStyles.None, CultureInfo.InvariantCulture, out long fromHeader))
        {
            errors.Add("If-Match", "Must be the ETag of a read of this subscription, e.g. \"3\".");
            return default;
        }
        if (bodyVersion is not null && bodyVersion != fromHeader)
        {
            errors.Add("version", $"Differs from If-Match ({fromHeader}); send one or make them agree.");
        }
        return new Precondition(true, fromHeader);
    }
}
