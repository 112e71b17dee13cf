using System.IO.Compression;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>
/// One simulated node exporter: its id and token, its inbounds, its pool of pre-encoded batches, and its seq.
/// A node has at most one batch in flight (the exporter's contract), so its mutable state is touched by one
/// sender at a time and needs no locks.
/// </summary>
internal sealed class SimNode
{
    private int _nextBody;

    public SimNode(Guid id, string tokenKey, Guid[] inbounds)
    {
        Id = id;
        TokenKey = tokenKey;
        Authorization = "Bearer " + tokenKey;
        Inbounds = inbounds;
    }

    public Guid Id { get; }

    public string TokenKey { get; }

    /// <summary>The header value, built once.</summary>
    public string Authorization { get; }

    public Guid[] Inbounds { get; }

    public BatchBody[] Bodies { get; set; } = [];

    /// <summary>Accepted (2xx) sends per body: with the bodies' contents this gives the exact totals sent.</summary>
    public long[] AcceptedPerBody { get; set; } = [];

    /// <summary>Batches whose fate is unknown (retries exhausted, or cut off by the hard stop): they may or may not have landed.</summary>
    public int Ambiguous { get; set; }

    /// <summary>Fresh node ids start at 1; a seq is never reused for a different batch.</summary>
    public ulong NextSeq { get; set; } = 1;

    /// <summary>Scratch for the small 200 body (a few dozen bytes; more is read and dropped).</summary>
    public byte[] ResponseBuffer { get; } = new byte[1024];

    /// <summary>Scratch for <c>--gzip</c>: reused across sends, grown once.</summary>
    public MemoryStream GzipBuffer => _gzip ??= new MemoryStream(32 << 10);

    private MemoryStream? _gzip;

    public int TakeBody()
    {
        int i = _nextBody;
        _nextBody = (i + 1) % Bodies.Length;
        return i;
    }

    /// <summary>Compresses <paramref name="body"/> into <see cref="GzipBuffer"/> (fastest level: the generator's CPU is the servers' too).</summary>
    public ReadOnlyMemory<byte> Compress(byte[] body)
    {
        MemoryStream buffer = GzipBuffer;
        buffer.SetLength(0);
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
