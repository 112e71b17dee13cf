using System.Buffers;
using System.Net;
using System.Net.Http.Headers;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// A request body over caller-owned memory (a pooled batch buffer): each segment is written to the connection as
/// is, with no copy into a new array. The caller keeps the memory alive and unchanged until the request completes.
/// </summary>
internal sealed class ReadOnlySequenceContent : HttpContent
{
    private readonly ReadOnlySequence<byte> _body;

    public ReadOnlySequenceContent(ReadOnlySequence<byte> body, MediaTypeHeaderValue contentType)
    {
        _body = body;
        Headers.ContentType = contentType;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (_body.IsSingleSegment)
        {
            await stream.WriteAsync(_body.First, cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (ReadOnlyMemory<byte> segment in _body)
            await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _body.Length; // a Content-Length body, not chunked: ClickHouse reads it in one go
        return true;
    }
}
