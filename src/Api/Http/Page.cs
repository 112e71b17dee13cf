namespace Vpn.Perf.Api.Http;

/// <summary>
/// One page of a list. Lists use keyset pagination on the UUIDv7 id (newest first), so page N costs the same as
/// page 1 at 100k rows: <c>next</c> is the cursor to pass back as <c>?after=</c>, null on the last page.
/// </summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, Guid? Next)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>Clamps a requested page size into [1, <see cref="MaxLimit"/>].</summary>
    public static int Limit(int? requested) => requested is null ? DefaultLimit : Math.Clamp(requested.Value, 1, MaxLimit);

    /// <summary>Builds a page from up to limit + 1 rows read (the extra row only says whether there is a next page).</summary>
    public static Page<T> From(List<T> rows, int limit, Func<T, Guid> id)
    {
        if (rows.Count <= limit) return new Page<T>(rows, null);
        rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, id(rows[^1]));
    }
}
