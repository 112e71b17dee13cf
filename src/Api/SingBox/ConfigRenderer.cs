using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using N = Vpn.Perf.Api.SingBox.SingBoxNames;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// Writes a <see cref="ClientConfig"/> as sing-box JSON with <see cref="Utf8JsonWriter"/> straight into a buffer
/// writer, in a fixed order: the template's sections in <see cref="ConfigSections.Ordered"/> order, with
/// <c>outbounds</c> = the <c>proxy</c> selector, the <c>auto</c> urltest, one outbound per inbound, then the
/// template's own outbounds; a WireGuard inbound is an entry of <c>endpoints</c> instead (the wireguard outbound is
/// fatal in 1.12 and gone in 1.13), in front of the template's endpoints, and the selector and urltest name it like an
/// outbound. The same input always gives the same bytes (ETags rely on it).
/// </summary>
internal static class ConfigRenderer
{
    /// <summary>The selector clients show; <c>route.final</c> of the default template.</summary>
    public const string SelectorTag = "proxy";

    /// <summary>The urltest inside the selector, its default.</summary>
    public const string UrlTestTag = "auto";

    public const string UrlTestUrl = "https://www.gstatic.com/generate_204";
    public const string UrlTestInterval = "3m";
    public const int UrlTestToleranceMs = 50;

    /// <summary>Relaxed escaping: the document is a JSON file, never embedded in HTML, and base64 keys stay readable ('+' not '\u002B').</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = ConfigTemplate.MaxDepth + 8 };

    private static readonly byte[] StubBytes = BuildStub();

    /// <summary>Writes <paramref name="config"/>; a config without proxies is written as <see cref="WriteStub"/>.</summary>
    public static void Write(IBufferWriter<byte> output, ClientConfig config)
    {
        if (config.Proxies.IsEmpty)
        {
            WriteStub(output);
            return;
        }
        using var w = new Utf8JsonWriter(output, WriterOptions);
        ConfigTemplate template = config.Template;
        w.WriteStartObject();
        for (int i = 0; i < ConfigSections.Ordered.Length; i++)
        {
            string name = ConfigSections.Ordered[i];
            if (name == ConfigSections.Outbounds)
            {
                WriteOutbounds(w, config);
                continue;
            }
            if (name == ConfigSections.Endpoints)
            {
                WriteEndpoints(w, config);
                continue;
            }
            if (template.Section(i) is { } raw)
            {
                w.WritePropertyName(name);
                w.WriteRawValue(raw, skipInputValidation: true); // compact, validated JSON cut by ConfigTemplate
            }
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// The over-limit (and nothing-to-offer) config: starts on 1.12 and 1.13 and connects nowhere. One block
    /// outbound is the final route; no inbounds, so the client captures no traffic and a user notices at once.
    /// </summary>
    public static void WriteStub(IBufferWriter<byte> output) => output.Write(StubBytes);

    /// <summary>Renders into a new array (what the cache keeps).</summary>
    public static byte[] Render(ClientConfig config)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        Write(buffer, config);
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] RenderStub() => StubBytes.ToArray();

    private static void WriteOutbounds(Utf8JsonWriter w, ClientConfig config)
    {
        w.WriteStartArray(N.Outbounds);

        w.WriteStartObject();
        w.WriteString(N.Type, N.Selector);
        w.WriteString(N.Tag, SelectorTag);
        w.WriteStartArray(N.Outbounds);
        w.WriteStringValue(UrlTestTag);
        foreach (ProxyOutbound p in config.Proxies) w.WriteStringValue(p.Tag);
        w.WriteEndArray();
        w.WriteString(N.Default, UrlTestTag);
        w.WriteEndObject();

        w.WriteStartObject();
        w.WriteString(N.Type, N.UrlTest);
        w.WriteString(N.Tag, UrlTestTag);
        w.WriteStartArray(N.Outbounds);
        foreach (ProxyOutbound p in config.Proxies) w.WriteStringValue(p.Tag);
        w.WriteEndArray();
        w.WriteString(N.Url, UrlTestUrl);
        w.WriteString(N.Interval, UrlTestInterval);
        w.WriteNumber(N.Tolerance, UrlTestToleranceMs);
        w.WriteEndObject();

        foreach (ProxyOutbound p in config.Proxies)
        {
            if (p.Peer is null) OutboundWriter.Write(w, p);
        }
        foreach (byte[] raw in config.Template.Outbounds) w.WriteRawValue(raw, skipInputValidation: true);
        w.WriteEndArray();
    }

    /// <summary>The WireGuard proxies, then the template's endpoints; no key at all when there are neither.</summary>
    private static void WriteEndpoints(Utf8JsonWriter w, ClientConfig config)
    {
        bool open = false;
        foreach (ProxyOutbound p in config.Proxies)
        {
            if (p.Peer is not { } peer) continue;
            if (!open) w.WriteStartArray(N.Endpoints);
            open = true;
            EndpointWriter.Write(w, p, peer);
        }
        foreach (byte[] raw in config.Template.Endpoints)
        {
            if (!open) w.WriteStartArray(N.Endpoints);
            open = true;
            w.WriteRawValue(raw, skipInputValidation: true);
        }
        if (open) w.WriteEndArray();
    }

    private static byte[] BuildStub()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartObject("log");
            w.WriteString("level", "warn");
            w.WriteEndObject();
            w.WriteStartObject("dns");
            w.WriteStartArray("servers");
            w.WriteStartObject();
            w.WriteString(N.Type, "local");
            w.WriteString(N.Tag, "local");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartArray(N.Outbounds);
            w.WriteStartObject();
            w.WriteString(N.Type, "block");
            w.WriteString(N.Tag, "block");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("route");
            w.WriteString("final", "block");
            w.WriteString("default_domain_resolver", "local");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
