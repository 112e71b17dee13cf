using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>The header values client apps read (Hiddify, v2rayN, sing-box apps, Clash Meta conventions).</summary>
internal sealed class ConfigHeaders(IOptions<ConfigOptions> options)
{
    public const string UserInfo = "subscription-userinfo";
    public const string UpdateInterval = "profile-update-interval";
    public const string Title = "profile-title";
    public const string WebPageUrl = "profile-web-page-url";
    public const string SupportUrl = "support-url";

    private readonly string _defaultTitle = options.Value.DefaultProfileTitle;

    private readonly string? _webPageUrl = options.Value.ProfileWebPageUrl;
    private readonly string? _supportUrl = options.Value.SupportUrl;

    public string UpdateIntervalValue { get; } = options.Value.ProfileUpdateIntervalHours.ToString(CultureInfo.InvariantCulture);

    /// <summary>The operator's page and support links, which the apps show beside the profile, when configured.</summary>
    public void AddOperatorLinks(IHeaderDictionary headers)
    {
        if (_webPageUrl is not null) headers[WebPageUrl] = _webPageUrl;
        if (_supportUrl is not null) headers[SupportUrl] = _supportUrl;
    }

    /// <summary>
    /// <c>upload=0; download=&lt;used this period&gt;; total=&lt;limit or 0&gt;; expire=&lt;unix s or 0&gt;</c>. Ingest counts
    /// up + down together, so the whole usage is reported as download.
    /// </summary>
    public static string UserInfoValue(long usedBytes, SubscriptionState state)
        => string.Create(CultureInfo.InvariantCulture,
            $"upload=0; download={usedBytes}; total={state.MaxTraffic ?? 0}; expire={(state.ExpiresAtMs is { } ms ? ms / 1000 : 0)}");

    /// <summary>The title people read (the subscription page): its own, else the default.</summary>
    public string DisplayTitle(string title) => string.IsNullOrWhiteSpace(title) ? _defaultTitle : title;

    /// <summary>The title as is when it is printable ASCII; otherwise the <c>base64:</c> form the apps decode (headers are ASCII).</summary>
    public string ProfileTitle(string title)
    {
        if (string.IsNullOrWhiteSpace(title)) title = _defaultTitle;
        return IsPrintableAscii(title) ? title : "base64:" + Convert.ToBase64String(Encoding.UTF8.GetBytes(title));
    }

    /// <summary>The download's file name without extension: the title reduced to safe ASCII (each format adds its own).</summary>
    public string FileName(string title)
    {
        var name = new StringBuilder(64);
        foreach (char c in string.IsNullOrWhiteSpace(title) ? _defaultTitle : title)
        {
            if (name.Length == 64) break;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') name.Append(c);
            else if (c == ' ' && name.Length > 0 && name[^1] != '-') name.Append('-');
        }
        string file = name.ToString().Trim('-', '.');
        return file.Length == 0 ? "config" : file;
    }

    private static bool IsPrintableAscii(string s)
    {
        foreach (char c in s)
        {
            if (c is < ' ' or > '~') return false;
        }
        return true;
    }
}
