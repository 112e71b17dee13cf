namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>Settings of the node administration (section <c>Nodes</c>).</summary>
internal sealed class NodesOptions
{
    public const string Section = "Nodes";

    /// <summary>A node is active when Ingest accepted a batch from it within this window.</summary>
    public TimeSpan ActiveWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often the token reconciler brings Redis in line with <c>node_tokens</c> (it also runs at start-up);
    /// zero or negative turns the periodic pass off.
    /// </summary>
    public TimeSpan TokenReconcileInterval { get; set; } = TimeSpan.FromMinutes(1);
}
