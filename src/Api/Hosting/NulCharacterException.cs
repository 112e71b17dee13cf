using System.Text.Json;

namespace Vpn.Perf.Api.Hosting;

/// <summary>A JSON string value held U+0000; the serializer fills in <see cref="JsonException.Path"/>, which names the field.</summary>
internal sealed class NulCharacterException() : JsonException(TextInputGuard.Message)
{
    /// <summary>The field in the request's own JSON names: <c>$.filter.q</c> becomes <c>filter.q</c>.</summary>
    public string Field => Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : "body";
}
