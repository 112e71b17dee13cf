using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// Builds one Redis command (a RESP array of bulk strings) in a pooled buffer, argument by argument, without
/// allocating per argument and without knowing the argument count upfront.
/// <para>
/// Buffer layout: the first <see cref="HeaderReserve"/> bytes are reserved for <c>*&lt;count&gt;\r\n</c>; the arguments
/// follow as <c>$&lt;len&gt;\r\n&lt;bytes&gt;\r\n</c>. When the command is sent the header is written right-aligned so it
/// ends exactly where the first argument begins, and the wire bytes are one contiguous slice.
/// </para>
/// <para>
/// Ownership: <see cref="RedisClient.ExecuteAsync(RespCommand, CancellationToken)"/> detaches the buffer (it returns to
/// the pool once written to the socket, or on failure) and leaves this object empty; call <see cref="Reset"/> to build
/// the next command on it, so a hot loop reuses one instance and allocates nothing. <see cref="Dispose"/> returns a
/// buffer that was never sent and is harmless after sending. Not thread-safe: one builder per caller.
/// </para>
/// </summary>
public sealed class RespCommand : IDisposable
{
    /// <summary>'*' + at most 10 digits (the count is an int) + CRLF = 13 bytes, rounded up to 16.</summary>
    internal const int HeaderReserve = 16;

    /// <summary>'$' + at most 10 digits (a length is an int) + CRLF: the prefix in front of every argument.</summary>
    private const int MaxArgumentPrefix = 13;

    /// <summary>Fits a typical short command (name, key, a few fields) without growing.</summary>
    private const int DefaultSize = 256;

    private byte[]? _buffer;
    private int _position;
    private int _count;

    /// <summary>Starts a command.</summary>
    /// <param name="name">The command name, a <see cref="RespCommands"/> token.</param>
    /// <param name="sizeHint">Expected encoded size in bytes; the buffer grows by doubling when it is exceeded.</param>
    public RespCommand(ReadOnlySpan<byte> name, int sizeHint = DefaultSize) => Reset(name, sizeHint);

    /// <summary>Starts a command from a string name (cold paths).</summary>
    public RespCommand(string name, int sizeHint = DefaultSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Start(sizeHint);
        Arg(name);
    }

    /// <summary>Arguments so far, including the command name; 0 once the command was sent.</summary>
    public int Count => _count;

    /// <summary>Encoded bytes so far, excluding the array header.</summary>
    public int Length => _buffer is null ? 0 : _position - HeaderReserve;

    /// <summary>The script this command was started for by <see cref="RedisScript.CreateCommand"/>, if any.</summary>
    internal RedisScript? Script { get; set; }

    /// <summary>Starts a new command on this instance, keeping its buffer when it still has one.</summary>
    public RespCommand Reset(ReadOnlySpan<byte> name, int sizeHint = DefaultSize)
    {
        if (name.IsEmpty)
            throw new ArgumentException("A Redis command needs a name.", nameof(name));
        Start(sizeHint);
        return Arg(name);
    }

    /// <summary>Appends a binary-safe argument.</summary>
    public RespCommand Arg(ReadOnlySpan<byte> value)
    {
        // n = the argument prefix ("$<len>\r\n", at most 13) + the value + its CRLF.
        Span<byte> span = GetSpan(MaxArgumentPrefix + value.Length + 2);
        int written = WritePrefix(span, value.Length);
        value.CopyTo(span[written..]);
        written += value.Length;
        span[written++] = (byte)'\r';
        span[written++] = (byte)'\n';
        Advance(written);
        return this;
    }

    /// <summary>Appends an integer argument in decimal.</summary>
    public RespCommand Arg(long value)
    {
        // A long prints as at most 20 characters ("-9223372036854775808").
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int length);
        return Arg(digits[..length]);
    }

    /// <summary>Appends an unsigned integer argument in decimal (byte counters).</summary>
    public RespCommand Arg(ulong value)
    {
        // A ulong prints as at most 20 digits ("18446744073709551615").
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int length);
        return Arg(digits[..length]);
    }

    /// <summary>Appends a text argument as UTF-8. Counts the bytes first; meant for cold paths.</summary>
    public RespCommand Arg(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int length = Encoding.UTF8.GetByteCount(value);
        // n = the argument prefix (at most 13) + the exact UTF-8 length + CRLF.
        Span<byte> span = GetSpan(MaxArgumentPrefix + length + 2);
        int written = WritePrefix(span, length);
        written += Encoding.UTF8.GetBytes(value, span[written..]);
        span[written++] = (byte)'\r';
        span[written++] = (byte)'\n';
        Advance(written);
        return this;
    }

    /// <summary>Appends a UUID as 32 lowercase hex digits without dashes (the "N" format).</summary>
    public RespCommand ArgHex(Guid value)
    {
        Span<byte> hex = stackalloc byte[32]; // 16 bytes, two hex digits each
        value.TryFormat(hex, out _, "N");
        return Arg(hex);
    }

    /// <summary>Returns an unsent buffer to the pool. The instance can still be <see cref="Reset"/>.</summary>
    public void Dispose()
    {
        byte[]? buffer = _buffer;
        _buffer = null;
        _count = 0;
        Script = null;
        if (buffer is not null)
            ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>
    /// Writes the array header and returns the wire bytes, leaving the buffer attached (tests and benchmarks).
    /// </summary>
    internal ReadOnlySpan<byte> GetWireBytes()
    {
        int start = WriteHeader();
        return _buffer.AsSpan(start, _position - start);
    }

    /// <summary>Finishes the command and hands its buffer to a <see cref="RespPayload"/>; this instance is left empty.</summary>
    internal RespPayload Detach()
    {
        int start = WriteHeader();
        var payload = new RespPayload(_buffer!, start, _position - start);
        _buffer = null;
        _count = 0;
        Script = null;
        return payload;
    }

    private void Start(int sizeHint)
    {
        int size = Math.Max(sizeHint, HeaderReserve + DefaultSize);
        if (_buffer is null || _buffer.Length < size)
        {
            Dispose();
            _buffer = ArrayPool<byte>.Shared.Rent(size);
        }
        _position = HeaderReserve;
        _count = 0;
        Script = null;
    }

    /// <summary>Writes "*count\r\n" so that it ends at <see cref="HeaderReserve"/>; returns where it starts.</summary>
    private int WriteHeader()
    {
        if (_buffer is null || _count == 0)
            RedisThrowHelper.ThrowCommandSent();
        Span<byte> header = stackalloc byte[HeaderReserve]; // '*' + at most 10 digits + CRLF fits in 16
        header[0] = (byte)'*';
        Utf8Formatter.TryFormat(_count, header[1..], out int digits);
        int length = 1 + digits;
        header[length++] = (byte)'\r';
        header[length++] = (byte)'\n';
        int start = HeaderReserve - length;
        header[..length].CopyTo(_buffer.AsSpan(start));
        return start;
    }

    private static int WritePrefix(Span<byte> span, int length)
    {
        span[0] = (byte)'$';
        Utf8Formatter.TryFormat(length, span[1..], out int digits);
        span[1 + digits] = (byte)'\r';
        span[2 + digits] = (byte)'\n';
        return digits + 3;
    }

    private Span<byte> GetSpan(int sizeHint)
    {
        byte[]? buffer = _buffer;
        if (buffer is null)
            RedisThrowHelper.ThrowCommandSent();
        if (buffer.Length - _position < sizeHint)
            buffer = Grow(sizeHint);
        return buffer.AsSpan(_position);
    }

    private byte[] Grow(int sizeHint)
    {
        long needed = (long)_position + sizeHint;
        if (needed > RespLimits.MaxCommandBytes)
            RedisThrowHelper.ThrowCommandTooLarge(needed);
        long doubled = Math.Min((long)_buffer!.Length * 2, RespLimits.MaxCommandBytes);
        byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Max(needed, doubled));
        _buffer.AsSpan(0, _position).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
        return bigger;
    }

    private void Advance(int written)
    {
        _position += written;
        _count++;
    }
}
