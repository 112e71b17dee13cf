namespace Vpn.Perf.Api.Problems;

/// <summary>One kind of error: its stable <c>code</c>, absolute <c>type</c> URI, fixed title and status.</summary>
internal sealed record ProblemType(string Code, string Title, int Status)
{
    public const string TypeBase = "https://vpn-perf.dev/problems/";

    public string Type => TypeBase + Code;
}
