using System.Security.Cryptography;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>One format's body of a cached config, with what the response needs of it computed once.</summary>
internal sealed class RenderedConfig
{
    public RenderedConfig(ConfigFormat format, byte[] body, string fileName)
    {
        Body = body;
        ETag = ETagOf(body);
        MediaType = ConfigFormats.MediaType(format);
        ContentDisposition = "attachment; filename=\"" + fileName + ConfigFormats.FileExtension(format) + "\"";
    }

    public byte[] Body { get; }

    /// <summary>Strong ETag over <see cref="Body"/>, quoted: 128 bits of its SHA-256.</summary>
    public string ETag { get; }

    public string MediaType { get; }

    public string ContentDisposition { get; }

    private static string ETagOf(byte[] body)
    {
        Span<byte> hash = stackalloc byte[32]; // SHA-256
        SHA256.HashData(body, hash);
        return "\"" + Convert.ToHexStringLower(hash[..16]) + "\"";
    }
}
