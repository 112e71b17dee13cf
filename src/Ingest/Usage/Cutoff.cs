namespace Vpn.Perf.Ingest.Usage;

/// <summary>The answer's <c>cutoff</c> list: the subscriptions a node must stop serving, each named once.</summary>
internal static class Cutoff
{
    public static void AddOnce(List<Guid> list, Guid id)
    {
        // Cutoff lists are short (a handful of ids): a linear scan beats hashing here.
        foreach (Guid g in list)
        {
            if (g == id) return;
        }
        list.Add(id);
    }
}
