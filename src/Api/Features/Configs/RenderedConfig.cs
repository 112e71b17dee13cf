using System.Security.Cryptography;
using System.Text;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>One format's body of a cached config, with what the response needs of it computed once.</summary>
internal sealed class RenderedConfig
{
    /// <param name="format">The format of <paramref name="body"/>.</param>
    /// <param name="body">The rendered config.</param>
    /// <param name="fileName">The download's name without extension.</param>
    /// <param name="etagSalt">Mixed into the ETag when equal bodies must not share one (a stub under another title).</param>
    public RenderedConfig(ConfigFormat format, byte[] body, string fileName, string etagSalt = "")
    {
        Body = body;
        ETag = ETagOf([.. body, .. Encoding.UTF8.GetBytes(etagSalt)]);
        MediaType = ConfigFormats.MediaType(format);
        ContentDisposition = "attachment; filename=\"" + fileName + ConfigFormats.FileExtension(format) + "\"";
    }

    public byte[] Body { get; }

    /// <summary>Strong ETag over <see cref="Body"/> (and the salt), quoted: 128 bits of its SHA-256.</summary>
    public string ETag { get; }

    public string MediaType { get; }

    public string ContentDisposition { get; }

    private static string ETagOf(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[32]; // SHA-256
        SHA256.HashData(body, hash);
        return "\"" + Convert.ToHexStringLower(hash[..16]) + "\"";
    }
}
