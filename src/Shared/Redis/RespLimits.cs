namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// Bounds the RESP reply reader checks before it allocates or loops on a length or count sent by the server.
/// They live here rather than in <c>Shared/Limits.cs</c> because they bound a peer (Redis), not our own wire format,
/// and so this folder can be merged without touching a file every feature branch edits.
/// </summary>
public static class RespLimits
{
    /// <summary>
    /// Largest bulk string reply, 64 MiB. Our keys hold counters, small hashes and stream entries; the largest reply
    /// we expect is a few MiB (HGETALL of a big hash). Redis itself allows 512 MB (<c>proto-max-bulk-len</c>), which a
    /// corrupt or hostile peer could use to make us allocate before a single byte of the body arrived.
    /// </summary>
    public const int MaxBulkBytes = 64 * 1024 * 1024;

    /// <summary>
    /// Most elements in one reply array, 1 Mi. A bucket script returns one entry per report (at most
    /// <c>Limits.MaxReportsPerBatch</c>); XRANGE/HGETALL callers page well below this.
    /// </summary>
    public const int MaxArrayLength = 1024 * 1024;

    /// <summary>
    /// Deepest array nesting the reader follows. The reader recurses per level; XREAD replies nest four deep and Lua
    /// tables rarely more, so 32 bounds the stack against <c>*1\r\n*1\r\n...</c> without limiting real replies.
    /// </summary>
    public const int MaxNestingDepth = 32;

    /// <summary>
    /// Longest simple string or error line, 64 KiB. Redis error messages are short (a Lua error carries the script
    /// position and message, well under 1 KiB); a line that long without CRLF is a broken stream.
    /// </summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>
    /// Longest integer line (<c>:</c>, <c>$</c>, <c>*</c>): a sign and 19 digits for <see cref="long.MinValue"/>.
    /// </summary>
    public const int MaxIntegerDigits = 20;

    /// <summary>
    /// Largest command the builder assembles, 256 MiB. Redis refuses a multibulk over 1 GB; this stops a runaway loop
    /// in a caller long before the array pool hands out arrays of that size.
    /// </summary>
    public const int MaxCommandBytes = 256 * 1024 * 1024;
}
