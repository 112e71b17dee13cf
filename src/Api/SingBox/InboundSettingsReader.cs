using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// Reads typed values from an inbound's <c>settings</c> object, collecting one message per bad field under
/// <c>settings.&lt;key&gt;</c> and remembering which keys were read, so whatever is left over can be refused.
/// </summary>
internal sealed class InboundSettingsReader
{
    public const string Prefix = "settings.";
    private const int MaxStringLength = 1024;

    private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly InboundErrors _errors;

    public InboundSettingsReader(JsonElement settings, InboundErrors errors)
    {
        _errors = errors;
        if (settings.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return;
        if (settings.ValueKind != JsonValueKind.Object)
        {
            errors.Add("settings", "Settings must be a JSON object.");
            return;
        }
        foreach (JsonProperty p in settings.EnumerateObject())
        {
            if (!_values.TryAdd(p.Name, p.Value)) errors.Add(Prefix + p.Name, "The key appears more than once.");
        }
    }

    public bool Has(string key) => _values.ContainsKey(key);

    public string? String(string key, int maxLength = MaxStringLength)
    {
        if (!TryTake(key, out JsonElement v)) return null;
        if (v.ValueKind != JsonValueKind.String) return Fail<string>(key, "Must be a string.");
        string s = v.GetString()!;
        if (s.Length > maxLength) return Fail<string>(key, string.Create(CultureInfo.InvariantCulture, $"Must be at most {maxLength} characters."));
        if (HasControlCharacter(s)) return Fail<string>(key, "Must not contain control characters.");
        return s;
    }

    public bool? Bool(string key)
    {
        if (!TryTake(key, out JsonElement v)) return null;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        _errors.Add(Prefix + key, "Must be true or false.");
        return null;
    }

    public int? Int(string key, int min, int max)
    {
        if (!TryTake(key, out JsonElement v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n >= min && n <= max) return n;
        _errors.Add(Prefix + key, string.Create(CultureInfo.InvariantCulture, $"Must be a whole number from {min} to {max}."));
        return null;
    }

    /// <summary>A list of strings; a single string counts as a list of one (sing-box's "listable").</summary>
    public ImmutableArray<string>? StringList(string key, int maxItems, int maxLength)
    {
        if (!TryTake(key, out JsonElement v)) return null;
        string entryRule = string.Create(CultureInfo.InvariantCulture, $"Every entry must be a non-empty string of at most {maxLength} characters.");
        if (v.ValueKind == JsonValueKind.String)
            return IsListEntry(v, maxLength, out string? single) ? [single] : Fail<ImmutableArray<string>?>(key, entryRule);
        if (v.ValueKind != JsonValueKind.Array) return Fail<ImmutableArray<string>?>(key, "Must be a string or a list of strings.");
        if (v.GetArrayLength() > maxItems)
            return Fail<ImmutableArray<string>?>(key, string.Create(CultureInfo.InvariantCulture, $"Must have at most {maxItems} entries."));
        var items = ImmutableArray.CreateBuilder<string>(v.GetArrayLength());
        foreach (JsonElement item in v.EnumerateArray())
        {
            if (!IsListEntry(item, maxLength, out string? s)) return Fail<ImmutableArray<string>?>(key, entryRule);
            items.Add(s);
        }
        return items.MoveToImmutable();
    }

    private static bool IsListEntry(JsonElement item, int maxLength, [NotNullWhen(true)] out string? value)
    {
        value = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
        return value is { Length: > 0 } && value.Length <= maxLength && !HasControlCharacter(value);
    }

    /// <summary>Refuses every key that is present but was not read: unknown ones, and known ones that do not apply here.</summary>
    public void RefuseUnread(string context)
    {
        foreach (string key in _values.Keys)
        {
            if (_read.Contains(key)) continue;
            _errors.Add(Prefix + key, InboundSettingsKeys.All.Contains(key)
                ? $"Does not apply to {context}."
                : "Unknown key; docs/inbound-settings.md lists the keys.");
        }
    }

    public void Error(string key, string message) => _errors.Add(Prefix + key, message);

    private bool TryTake(string key, out JsonElement value)
    {
        _read.Add(key);
        return _values.TryGetValue(key, out value) && value.ValueKind != JsonValueKind.Null;
    }

    private T? Fail<T>(string key, string message)
    {
        _errors.Add(Prefix + key, message);
        return default;
    }

    private static bool HasControlCharacter(string s)
    {
        foreach (char c in s)
        {
            if (char.IsControl(c)) return true;
        }
        return false;
    }
}
