using System.Buffers;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// A validated base template, pre-cut for rendering: each top-level section as compact JSON bytes in
/// <see cref="ConfigSections.Ordered"/> order, and the template's own outbounds and endpoints one by one (the renderer
/// writes its own in front of them). Built once per template version, shared by every render.
/// </summary>
internal sealed class ConfigTemplate
{
    public const int MaxDepth = 32;

    private readonly byte[]?[] _sections;

    private ConfigTemplate(long version, byte[]?[] sections, ImmutableArray<byte[]> outbounds, ImmutableArray<byte[]> endpoints,
        FrozenSet<string> outboundTags)
    {
        Version = version;
        _sections = sections;
        Outbounds = outbounds;
        Endpoints = endpoints;
        OutboundTags = outboundTags;
    }

    /// <summary>The <c>config_templates.version</c> this was built from (0 for the shipped default).</summary>
    public long Version { get; }

    /// <summary>The template's own outbounds, compact JSON each.</summary>
    public ImmutableArray<byte[]> Outbounds { get; }

    /// <summary>The template's own endpoints, compact JSON each (the renderer's WireGuard endpoints go in front of them).</summary>
    public ImmutableArray<byte[]> Endpoints { get; }

    /// <summary>Tags of the template's outbounds and endpoints; generated tags avoid them.</summary>
    public FrozenSet<string> OutboundTags { get; }

    /// <summary>The compact JSON of a top-level section by its index in <see cref="ConfigSections.Ordered"/>, or null when absent (always null for outbounds and endpoints).</summary>
    public byte[]? Section(int index) => _sections[index];

    public static ConfigTemplate Default { get; } = Create(DefaultConfigTemplate.Json, 0);

    /// <summary>Builds a template that is known to be valid (the shipped default, or a stored one); throws if it is not.</summary>
    public static ConfigTemplate Create(string json, long version)
        => TryCreate(json, version, "", out ConfigTemplate? template, out var errors)
            ? template
            : throw new InvalidOperationException("The config template is invalid: " + string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));

    /// <summary>Validates <paramref name="json"/> (see <see cref="ConfigTemplateValidator"/>) and cuts it for rendering.</summary>
    /// <param name="json">The template text.</param>
    /// <param name="version">Its version.</param>
    /// <param name="errorRoot">Prefix of error keys (<c>body</c> for the admin endpoint's request field).</param>
    /// <param name="template">The template, or null.</param>
    /// <param name="errors">Messages by JSON path; empty on success.</param>
    public static bool TryCreate(string json, long version, string errorRoot, [NotNullWhen(true)] out ConfigTemplate? template,
        out Dictionary<string, string[]> errors)
    {
        template = null;
        var e = new TemplateErrors(errorRoot);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            e.Add(errorRoot, string.Create(CultureInfo.InvariantCulture,
                $"Not valid JSON (nested at most {MaxDepth} deep) near line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}."));
            errors = e.ToDictionary();
            return false;
        }
        using (document)
        {
            ConfigTemplateValidator.Validate(document.RootElement, e);
            errors = e.ToDictionary();
            if (!e.IsEmpty) return false;
            template = Cut(document.RootElement, version);
            return true;
        }
    }

    private static ConfigTemplate Cut(JsonElement root, long version)
    {
        var sections = new byte[]?[ConfigSections.Ordered.Length];
        var outbounds = ImmutableArray.CreateBuilder<byte[]>();
        var endpoints = ImmutableArray.CreateBuilder<byte[]>();
        var tags = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty p in root.EnumerateObject())
        {
            int index = ConfigSections.IndexOf(p.Name);
            if (p.Name == ConfigSections.Outbounds)
            {
                foreach (JsonElement o in p.Value.EnumerateArray())
                {
                    outbounds.Add(Compact(o));
                    tags.Add(o.GetProperty("tag").GetString()!);
                }
                continue;
            }
            if (p.Name == ConfigSections.Endpoints)
            {
                foreach (JsonElement o in p.Value.EnumerateArray())
                {
                    endpoints.Add(Compact(o));
                    tags.Add(o.GetProperty("tag").GetString()!);
                }
                continue;
            }
            sections[index] = Compact(p.Value);
        }
        return new ConfigTemplate(version, sections, outbounds.ToImmutable(), endpoints.ToImmutable(), tags.ToFrozenSet(StringComparer.Ordinal));
    }

    private static byte[] Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, ConfigRenderer.WriterOptions))
        {
            value.WriteTo(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
