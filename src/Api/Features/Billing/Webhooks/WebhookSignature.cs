using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vpn.Perf.Api.Features.Billing.Webhooks;

/// <summary>
/// The <c>Vpn-Perf-Signature</c> header: <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=&lt;hex&gt;...]</c>, each v1
/// being HMAC-SHA256 over <c>&lt;t&gt;.&lt;raw body bytes&gt;</c> with one of the provider's secrets. Several v1
/// values let a provider sign with an old and a new secret during a rotation; one match with any configured secret
/// is enough. Comparison is constant-time, and every candidate is compared (no early exit on a match), so the time
/// taken says nothing about which value or secret matched.
/// </summary>
internal static class WebhookSignature
{
    public const string Header = "Vpn-Perf-Signature";

    /// <summary>Header values longer than this are refused unparsed (a handful of v1 values fit easily).</summary>
    public const int MaxHeaderLength = 1024;

    private const int MaxSignatures = 8;

    public enum Result
    {
        Valid,
        Malformed,
        Stale,
        Mismatch,
    }

    /// <summary>Verifies the header against the body; <paramref name="timestamp"/> is the signed time when it parsed.</summary>
    public static Result Verify(string? header, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> secrets, DateTimeOffset now, TimeSpan tolerance,
        out long timestamp)
    {
        timestamp = 0;
        if (string.IsNullOrEmpty(header) || header.Length > MaxHeaderLength) return Result.Malformed;
        long? t = null;
        Span<byte> candidates = stackalloc byte[MaxSignatures * 32]; // 8 SHA-256 sized values
        int count = 0;
        foreach (Range range in header.AsSpan().Split(','))
        {
            ReadOnlySpan<char> part = header.AsSpan(range).Trim();
            int eq = part.IndexOf('=');
            if (eq <= 0) return Result.Malformed;
            ReadOnlySpan<char> key = part[..eq], value = part[(eq + 1)..];
            if (key is "t")
            {
                if (t is not null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed)) return Result.Malformed;
                t = parsed;
            }
            else if (key is "v1")
            {
                if (count == MaxSignatures || value.Length != 64) return Result.Malformed;
                if (Convert.FromHexString(value, candidates.Slice(count * 32, 32), out _, out int written) != System.Buffers.OperationStatus.Done || written != 32)
                    return Result.Malformed;
                count++;
            }
            // Other schemes (v0, a future v2) are ignored, as the widely used form prescribes.
        }
        if (t is null || count == 0) return Result.Malformed;
        timestamp = t.Value;
        long nowSeconds = now.ToUnixTimeSeconds();
        if (Math.Abs(nowSeconds - t.Value) > (long)tolerance.TotalSeconds) return Result.Stale;

        byte[] signed = SigningBytes(t.Value, body);
        Span<byte> mac = stackalloc byte[32]; // HMAC-SHA256
        bool any = false;
        foreach (byte[] secret in secrets)
        {
            HMACSHA256.HashData(secret, signed, mac);
            for (int i = 0; i < count; i++) any |= CryptographicOperations.FixedTimeEquals(mac, candidates.Slice(i * 32, 32));
        }
        return any ? Result.Valid : Result.Mismatch;
    }

    /// <summary>The signature a provider sends for this body and time (tests, docs, and a provider adapter's own outgoing calls).</summary>
    public static string Sign(ReadOnlySpan<byte> secret, long timestamp, ReadOnlySpan<byte> body)
        => Convert.ToHexStringLower(HMACSHA256.HashData(secret, SigningBytes(timestamp, body)));

    /// <summary><c>&lt;t&gt;.&lt;body&gt;</c>: the decimal timestamp in ASCII, a dot, then the body bytes exactly as received.</summary>
    private static byte[] SigningBytes(long timestamp, ReadOnlySpan<byte> body)
    {
        string prefix = timestamp.ToString(CultureInfo.InvariantCulture) + ".";
        byte[] signed = new byte[prefix.Length + body.Length];
        Encoding.ASCII.GetBytes(prefix, signed);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return signed;
    }
}
