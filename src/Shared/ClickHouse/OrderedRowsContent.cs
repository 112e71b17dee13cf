using System.Buffers;
using System.Net;
using System.Net.Http.Headers;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// A request body of fixed-size rows taken from caller-owned memory in the order of a list of their offsets, copied
/// through one pooled chunk at a time. The caller keeps rows and offsets alive and unchanged until the request completes.
/// </summary>
internal sealed class OrderedRowsContent : HttpContent
{
    private const int ChunkBytes = 64 << 10;

    private readonly ReadOnlyMemory<byte> _rows;
    private readonly int _rowBytes;
    private readonly ReadOnlyMemory<int> _offsets;

    public OrderedRowsContent(ReadOnlyMemory<byte> rows, int rowBytes, ReadOnlyMemory<int> offsets, MediaTypeHeaderValue contentType)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rowBytes, ChunkBytes);
        _rows = rows;
        _rowBytes = rowBytes;
        _offsets = offsets;
        Headers.ContentType = contentType;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            for (int next = 0; next < _offsets.Length;)
            {
                int filled = Fill(chunk, ref next);
                await stream.WriteAsync(chunk.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Copies the rows from offset number <paramref name="next"/> on into <paramref name="chunk"/> while they fit.</summary>
    private int Fill(byte[] chunk, ref int next)
    {
        ReadOnlySpan<byte> rows = _rows.Span;
        ReadOnlySpan<int> offsets = _offsets.Span;
        int filled = 0;
        for (; next < offsets.Length && filled + _rowBytes <= chunk.Length; next++, filled += _rowBytes)
            rows.Slice(offsets[next], _rowBytes).CopyTo(chunk.AsSpan(filled));
        return filled;
    }

    protected override bool TryComputeLength(out long length)
    {
        length = (long)_offsets.Length * _rowBytes; // a Content-Length body, as ReadOnlySequenceContent's
        return true;
    }
}
