using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Vpn.Perf.Api.Features.Devices;

/// <summary>
/// The device headers apps send with a config fetch (Happ, Hiddify, v2rayTun conventions), all untrusted. The HWID
/// is the key a limit counts, so a malformed one is refused; the informational ones are kept only when they are
/// printable ASCII within their bound, and dropped otherwise (docs/security.md).
/// </summary>
internal static class DeviceHeaders
{
    public const string Hwid = "x-hwid";
    public const string Os = "x-device-os";
    public const string OsVersion = "x-ver-os";
    public const string Model = "x-device-model";

    public const int MaxHwid = 128;
    public const int MaxOs = 32;
    public const int MaxOsVersion = 32;
    public const int MaxModel = 64;
    public const int MaxUserAgent = 256;

    /// <summary>What a refused HWID's problem says (the value itself is never echoed).</summary>
    public const string HwidRule = "x-hwid must be one value of 1-128 characters from A-Z a-z 0-9 . _ : + / = -.";

    /// <summary>The presented HWID: null when the header is absent; <paramref name="valid"/> false when it is there but malformed.</summary>
    public static string? ReadHwid(IHeaderDictionary headers, out bool valid)
    {
        StringValues values = headers[Hwid];
        valid = true;
        if (values.Count == 0) return null;
        string? value = values.Count == 1 ? values[0] : null;
        valid = value is not null && IsHwid(value);
        return value;
    }

    public static bool IsHwid(string value)
    {
        if (value.Length is 0 or > MaxHwid) return false;
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or ':' or '+' or '/' or '=' or '-')) return false;
        }
        return true;
    }

    /// <summary>The informational headers of a registration, each null unless valid.</summary>
    public static DeviceInfo ReadInfo(IHeaderDictionary headers)
        => new(Text(headers[Model], MaxModel), Text(headers[Os], MaxOs), Text(headers[OsVersion], MaxOsVersion),
            Text(headers[HeaderNames.UserAgent], MaxUserAgent));

    private static string? Text(StringValues values, int max)
    {
        if (values.Count != 1 || values[0] is not { } value) return null;
        value = value.Trim();
        if (value.Length == 0 || value.Length > max) return null;
        foreach (char c in value)
        {
            if (c is < ' ' or > '~') return null;
        }
        return value;
    }
}
