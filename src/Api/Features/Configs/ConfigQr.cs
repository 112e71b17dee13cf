using QRCoder;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// QR codes of config URLs (QRCoder): error correction M (a phone camera reads a screen or a slightly damaged print),
/// the standard four-module quiet zone, black on white.
/// </summary>
internal static class ConfigQr
{
    /// <summary>Pixels per module of the PNG: a 37-module code (a typical config URL) plus its quiet zone is 360 px.</summary>
    public const int PngModulePixels = 8;

    public static byte[] Png(string text)
    {
        using QRCodeData data = Encode(text);
        return new PngByteQRCode(data).GetGraphic(PngModulePixels, drawQuietZones: true);
    }

    /// <summary>A scalable SVG of presentation attributes only (no style, no script), so a strict CSP shows it as it is.</summary>
    public static string Svg(string text)
    {
        using QRCodeData data = Encode(text);
        return new SvgQRCode(data).GetGraphic(PngModulePixels);
    }

    private static QRCodeData Encode(string text)
    {
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
    }
}
