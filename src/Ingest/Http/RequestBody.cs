using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;

namespace Vpn.Perf.Ingest.Http;

/// <summary>
/// A whole request body, decoded: either the request pipe's own buffer (identity encoding, zero copy) or
/// a pooled buffer holding the gunzipped bytes. Dispose returns the pool buffer and advances the pipe.
/// </summary>
internal struct RequestBody : IDisposable
{
    private PipeReader? _pipe;
    private byte[]? _rented;

    public ReadOnlySequence<byte> Data { get; private set; }

    public enum Status { Ok, TooLarge, BadGzip }

    /// <summary>
    /// Reads the whole body. Identity bodies stay in the pipe: the loop advances with consumed = start and
    /// examined = end until the request completes, so Kestrel keeps buffering without a copy.
    /// </summary>
    public static async ValueTask<(Status, RequestBody)> ReadAsync(PipeReader pipe, bool gzip, int maxWireBytes, int maxDecodedBytes, CancellationToken ct)
    {
        if (gzip)
        {
            return await ReadGzipAsync(pipe, maxWireBytes, maxDecodedBytes, ct);
        }
        while (true)
        {
            ReadResult read = await pipe.ReadAsync(ct);
            ReadOnlySequence<byte> buffer = read.Buffer;
            if (buffer.Length > Math.Min(maxWireBytes, maxDecodedBytes))
            {
                pipe.AdvanceTo(buffer.End);
                return (Status.TooLarge, default);
            }
            if (read.IsCanceled)
            {
                // Only CancelPendingRead does this, and only server shutdown would call it: the body is not complete.
                pipe.AdvanceTo(buffer.Start);
                throw new OperationCanceledException("The request body read was cancelled.");
            }
            if (read.IsCompleted)
            {
                return (Status.Ok, new RequestBody { _pipe = pipe, Data = buffer });
            }
            pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async ValueTask<(Status, RequestBody)> ReadGzipAsync(PipeReader pipe, int maxWireBytes, int maxDecodedBytes, CancellationToken ct)
    {
        // The decoded size is bounded by maxDecodedBytes no matter what the gzip stream claims: a gzip bomb
        // fills the buffer and stops there. Start small and grow, so a small body costs a small buffer.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        int length = 0;
        bool handedOver = false;
        var counting = new CountingStream(pipe.AsStream(leaveOpen: true), maxWireBytes);
        try
        {
            await using var gz = new GZipStream(counting, CompressionMode.Decompress, leaveOpen: true);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= maxDecodedBytes)
                    {
                        // One more byte would be over the limit: check whether the stream has any.
                        int probe = await gz.ReadAsync(new byte[1], ct);
                        if (probe == 0) break;
                        return (Status.TooLarge, default);
                    }
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxDecodedBytes));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    (buffer, bigger) = (bigger, buffer);
                    ArrayPool<byte>.Shared.Return(bigger);
                }
                int n = await gz.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, maxDecodedBytes) - length), ct);
                if (n == 0) break;
                length += n;
            }
            if (length > maxDecodedBytes)
            {
                return (Status.TooLarge, default);
            }
            handedOver = true;
            return (Status.Ok, new RequestBody { _rented = buffer, Data = new ReadOnlySequence<byte>(buffer, 0, length) });
        }
        catch (InvalidDataException)
        {
            return (counting.Exceeded ? Status.TooLarge : Status.BadGzip, default);
        }
        catch (IOException) when (counting.Exceeded)
        {
            return (Status.TooLarge, default);
        }
        finally
        {
            // Every way out but the body itself gives the buffer back: a verdict, a cancelled request, a failed read.
            if (!handedOver) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose()
    {
        if (_pipe is { } p)
        {
            p.AdvanceTo(Data.End);
            _pipe = null;
        }
        if (_rented is { } r)
        {
            ArrayPool<byte>.Shared.Return(r);
            _rented = null;
        }
    }

    /// <summary>Counts compressed bytes so a huge gzip upload stops at the wire limit.</summary>
    private sealed class CountingStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken);
            _read += n;
            if (_read > limit)
            {
                Exceeded = true;
                throw new IOException("The compressed request body is larger than the limit.");
            }
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous reads are not used.");
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
