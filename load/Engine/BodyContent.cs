using System.Net;

namespace Vpn.Perf.Load.Engine;

/// <summary>
/// A request body over bytes the caller owns and keeps unchanged until the response arrives: no copy, and the
/// headers are added as pre-validated strings (no header-value objects parsed per request).
/// </summary>
internal sealed class BodyContent : HttpContent
{
    private readonly ReadOnlyMemory<byte> _body;

    public BodyContent(ReadOnlyMemory<byte> body, string contentType, bool gzip)
    {
        _body = body;
        Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (gzip) Headers.TryAddWithoutValidation("Content-Encoding", "gzip");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_body).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_body, cancellationToken).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = _body.Length;
        return true;
    }
}
