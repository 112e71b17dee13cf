using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// Chooses a config fetch's format from its User-Agent when the URL names none: the first rule whose pattern matches,
/// else <see cref="Fallback"/> (the base64 link list, which the most apps read). Patterns run with
/// <see cref="RegexOptions.NonBacktracking"/>, so an operator's rule cannot make a request slow however the User-Agent
/// is built. Apps send few distinct User-Agents, so the choice is remembered per User-Agent and a warm fetch runs no
/// pattern; the memory is bounded and dropped whole when full, since every User-Agent is the client's to choose.
/// </summary>
internal sealed class FormatRules
{
    public const int MaxRules = 64;
    public const int MaxPatternLength = 256;

    private const int MaxRemembered = 4096;
    private const int MaxRememberedLength = 256;

    private readonly (Regex Pattern, ConfigFormat Format)[] _compiled;
    private readonly ConcurrentDictionary<string, ConfigFormat> _byAgent = new(StringComparer.Ordinal);

    private FormatRules(IReadOnlyList<FormatRule> rules, (Regex, ConfigFormat)[] compiled, ConfigFormat fallback)
    {
        Rules = rules;
        _compiled = compiled;
        Fallback = fallback;
    }

    /// <summary>
    /// What ships: sing-box apps (SFA, SFI, SFM, SFT, Hiddify, Karing) get sing-box JSON; Clash Meta apps (Clash Verge,
    /// FlClash, Stash, mihomo) mihomo YAML; v2rayN and v2rayNG Xray JSON; every other app, and a fetch without a
    /// User-Agent, the base64 link list.
    /// </summary>
    public static IReadOnlyList<FormatRule> DefaultRules { get; } =
    [
        new(@"^(SFA|SFI|SFM|SFT)/|sing-?box|hiddify|karing", "singbox"),
        new(@"clash|mihomo|stash|flclash", "mihomo"),
        new(@"^v2rayN(G)?/", "xray"),
    ];

    public static FormatRules Default { get; } = Create(DefaultRules, "links", out _)!;

    public IReadOnlyList<FormatRule> Rules { get; }

    public ConfigFormat Fallback { get; }

    /// <summary>The rules compiled, or null with one message per bad rule (keyed <c>rules[i].pattern</c> or <c>.format</c>).</summary>
    public static FormatRules? Create(IReadOnlyList<FormatRule> rules, string fallback, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (rules.Count > MaxRules) errors["rules"] = [$"At most {MaxRules} rules."];
        if (!ConfigFormats.TryParse(fallback, out ConfigFormat fallbackFormat)) errors["fallback"] = [FormatError];
        var compiled = new (Regex, ConfigFormat)[Math.Min(rules.Count, MaxRules)];
        for (int i = 0; i < compiled.Length; i++)
        {
            FormatRule rule = rules[i];
            if (!ConfigFormats.TryParse(rule.Format, out ConfigFormat format)) errors[$"rules[{i}].format"] = [FormatError];
            if (string.IsNullOrEmpty(rule.Pattern) || rule.Pattern.Length > MaxPatternLength)
            {
                errors[$"rules[{i}].pattern"] = [$"Required, at most {MaxPatternLength} characters."];
                continue;
            }
            try
            {
                compiled[i] = (new Regex(rule.Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking), format);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                // NonBacktracking refuses what needs backtracking (backreferences, lookarounds, atomic groups).
                errors[$"rules[{i}].pattern"] = ["Not a regular expression this server runs: " + ex.Message];
            }
        }
        return errors.Count == 0 ? new FormatRules(rules, compiled, fallbackFormat) : null;
    }

    public ConfigFormat Choose(string? userAgent)
    {
        if (string.IsNullOrEmpty(userAgent)) return Fallback;
        if (_byAgent.TryGetValue(userAgent, out ConfigFormat known)) return known;
        ConfigFormat chosen = Match(userAgent);
        if (userAgent.Length <= MaxRememberedLength)
        {
            if (_byAgent.Count >= MaxRemembered) _byAgent.Clear();
            _byAgent[userAgent] = chosen;
        }
        return chosen;
    }

    private ConfigFormat Match(string userAgent)
    {
        foreach ((Regex pattern, ConfigFormat format) in _compiled)
        {
            if (pattern.IsMatch(userAgent)) return format;
        }
        return Fallback;
    }

    private static string FormatError => "Must be one of " + string.Join(", ", ConfigFormats.Names) + ".";
}
