namespace Vpn.Perf.Api.SingBox;

/// <summary>Per-field validation messages, shaped for <c>Problem.Validation</c>.</summary>
internal sealed class InboundErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public bool Has(string field) => _errors.ContainsKey(field);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out List<string>? list)) _errors[field] = list = [];
        list.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary()
    {
        var result = new Dictionary<string, string[]>(_errors.Count, StringComparer.Ordinal);
        foreach (var (field, messages) in _errors) result[field] = [.. messages];
        return result;
    }
}
