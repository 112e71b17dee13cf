namespace Vpn.Perf.Api.Features.Nodes;

internal static class NodeValidation
{
    public const int MaxName = 64;
    public const int MaxDescription = 1000;
    public const int MaxLabel = 64;

    /// <summary>Per-field errors keyed by JSON property name; empty when the request is valid.</summary>
    public static Dictionary<string, string[]> Validate(NodeRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Name)) errors["name"] = ["The name is required."];
        else if (request.Name.Length > MaxName) errors["name"] = [$"The name has {request.Name.Length} characters; the limit is {MaxName}."];
        if (request.Description is { Length: > MaxDescription } d) errors["description"] = [$"The description has {d.Length} characters; the limit is {MaxDescription}."];
        if (request.Geo is { Length: > MaxLabel } g) errors["geo"] = [$"geo has {g.Length} characters; the limit is {MaxLabel}."];
        if (request.Purpose is { Length: > MaxLabel } p) errors["purpose"] = [$"purpose has {p.Length} characters; the limit is {MaxLabel}."];
        return errors;
    }
}
