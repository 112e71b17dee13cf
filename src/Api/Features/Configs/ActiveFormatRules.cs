using System.Text.Json;
using Npgsql;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// The User-Agent rules in force in this Api instance: the shipped ones until the stored ones are read, then whatever
/// the last read found (<see cref="ConfigChangeListener"/> reads them after each LISTEN and on each change notice).
/// </summary>
internal sealed class ActiveFormatRules(ILogger<ActiveFormatRules> logger)
{
    private volatile FormatRules _current = FormatRules.Default;

    public FormatRules Current => _current;

    /// <summary>Reads and compiles the stored rules; the shipped ones when the row is gone or was written around the Api's validation.</summary>
    public async Task ReloadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        if (await ConfigsStore.GetFormatRulesAsync(connection, ct) is not { } stored)
        {
            _current = FormatRules.Default;
            return;
        }
        IReadOnlyList<FormatRule>? rules = null;
        try
        {
            rules = JsonSerializer.Deserialize(stored.Rules, ConfigsJsonContext.Default.IReadOnlyListFormatRule);
        }
        catch (JsonException)
        {
            // Reported below with the other ways a row can be unusable.
        }
        Dictionary<string, string[]> errors = new() { ["rules"] = ["Not a list of {pattern, format} objects."] };
        if (rules is not null && FormatRules.Create(rules, stored.Fallback, out errors) is { } compiled)
        {
            _current = compiled;
            return;
        }
        ConfigsLog.StoredFormatRulesInvalid(logger, stored.Version, string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
        _current = FormatRules.Default;
    }
}
