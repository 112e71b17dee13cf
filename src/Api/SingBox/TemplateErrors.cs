namespace Vpn.Perf.Api.SingBox;

/// <summary>Template validation messages keyed by JSON path (<c>body.dns.servers[0].address</c>), capped so a hostile document cannot make a huge answer.</summary>
internal sealed class TemplateErrors(string root)
{
    public const int MaxErrors = 50;

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
    private int _count;

    public string Root => root;

    public bool IsEmpty => _count == 0;

    public void Add(string path, string message)
    {
        if (_count >= MaxErrors) return;
        _count++;
        if (!_errors.TryGetValue(path, out List<string>? list)) _errors[path] = list = [];
        list.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary()
    {
        var result = new Dictionary<string, string[]>(_errors.Count, StringComparer.Ordinal);
        foreach (var (path, messages) in _errors) result[path] = [.. messages];
        return result;
    }
}
