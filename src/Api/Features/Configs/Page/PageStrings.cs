using Microsoft.Net.Http.Headers;

namespace Vpn.Perf.Api.Features.Configs.Page;

/// <summary>
/// The subscription page's words in one language. English and Russian ship; a language is added as one more instance
/// in <see cref="All"/>. The language is the first of <c>Accept-Language</c> (by quality) that is here, else English.
/// </summary>
internal sealed class PageStrings
{
    public static PageStrings English { get; } = new()
    {
        Language = "en",
        Usage = "Traffic",
        Unlimited = "unlimited",
        OverLimit = "The traffic limit of this period is reached.",
        Resets = "Resets",
        Expires = "Expires",
        Never = "never",
        Devices = "Devices",
        ScanTitle = "Scan with your phone",
        QrAlt = "QR code of the subscription link",
        ImportTitle = "Add to an app",
        LinksTitle = "Links",
        LinksHint = "For an app not listed: select a link and copy it into the app's subscription settings.",
        AnyApp = "any app (the format it needs)",
        ByteUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"],
    };

    public static PageStrings Russian { get; } = new()
    {
        Language = "ru",
        Usage = "Трафик",
        Unlimited = "без ограничений",
        OverLimit = "Лимит трафика на этот период исчерпан.",
        Resets = "Сброс",
        Expires = "Действует до",
        Never = "бессрочно",
        Devices = "Устройства",
        ScanTitle = "Отсканируйте телефоном",
        QrAlt = "QR-код ссылки подписки",
        ImportTitle = "Добавить в приложение",
        LinksTitle = "Ссылки",
        LinksHint = "Для приложения не из списка: выделите ссылку и вставьте её в настройках подписки приложения.",
        AnyApp = "любое приложение (нужный ему формат)",
        ByteUnits = ["Б", "КиБ", "МиБ", "ГиБ", "ТиБ", "ПиБ"],
    };

    public static IReadOnlyList<PageStrings> All { get; } = [English, Russian];

    /// <summary>The BCP 47 primary tag (<c>lang</c> of the page, and what Accept-Language is matched against).</summary>
    public required string Language { get; init; }

    public required string Usage { get; init; }

    public required string Unlimited { get; init; }

    public required string OverLimit { get; init; }

    public required string Resets { get; init; }

    public required string Expires { get; init; }

    public required string Never { get; init; }

    public required string Devices { get; init; }

    public required string ScanTitle { get; init; }

    public required string QrAlt { get; init; }

    public required string ImportTitle { get; init; }

    public required string LinksTitle { get; init; }

    public required string LinksHint { get; init; }

    /// <summary>The label of the bare URL, whose format the app's User-Agent chooses.</summary>
    public required string AnyApp { get; init; }

    /// <summary>Byte, then each power of 1024.</summary>
    public required string[] ByteUnits { get; init; }

    /// <summary>The best language of <paramref name="request"/>'s Accept-Language that is shipped; English otherwise.</summary>
    public static PageStrings For(HttpRequest request)
    {
        IList<StringWithQualityHeaderValue> ranges = request.GetTypedHeaders().AcceptLanguage;
        PageStrings? best = null;
        double bestQuality = 0;
        foreach (StringWithQualityHeaderValue range in ranges)
        {
            double quality = range.Quality ?? 1;
            if (quality <= bestQuality || Find(range.Value.AsSpan()) is not { } strings) continue;
            best = strings;
            bestQuality = quality;
        }
        return best ?? English;
    }

    /// <summary><c>ru</c>, <c>ru-RU</c> and <c>RU</c> all find Russian.</summary>
    private static PageStrings? Find(ReadOnlySpan<char> tag)
    {
        int dash = tag.IndexOf('-');
        ReadOnlySpan<char> primary = dash < 0 ? tag : tag[..dash];
        foreach (PageStrings strings in All)
        {
            if (primary.Equals(strings.Language, StringComparison.OrdinalIgnoreCase)) return strings;
        }
        return null;
    }
}
