using System.Buffers;
using BenchmarkDotNet.Attributes;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Benchmarks.SingBox;

/// <summary>
/// What a config-cache miss costs in CPU besides its one Postgres query, for a subscription with six inbounds (vless
/// REALITY + vision, vmess ws, trojan grpc, shadowsocks 2022, hysteria2, tuic) on the default template: validating the
/// rows, resolving credentials and tags, and writing the JSON. A warm fetch does none of this (it serves cached bytes).
/// </summary>
[MemoryDiagnoser]
public class RenderBenchmarks
{
    private const string Secret = "3b241101-e2bb-4255-8caf-4136c566a962";

    private static readonly (string Node, string Tag, string Protocol, string Network, string Tls, string Settings)[] Rows =
    [
        ("nl-ams-1", "vless-reality", "vless", "tcp", "reality",
            """{"flow":"xtls-rprx-vision","server_name":"www.example.com","reality_public_key":"jNXHt1yRo0vDuchQlIP6Z0ZvjT3KtzVI-T4E7RoLJS0","reality_short_id":"0123456789abcdef"}"""),
        ("nl-ams-1", "vmess-ws", "vmess", "ws", "tls", """{"path":"/vm","host_header":"cdn.example.com","max_early_data":2048,"server_name":"cdn.example.com"}"""),
        ("de-fra-1", "trojan-grpc", "trojan", "grpc", "tls", """{"service_name":"tr","server_name":"fra.example.com","alpn":["h2"],"utls_fingerprint":"chrome"}"""),
        ("de-fra-1", "ss2022", "shadowsocks", "tcp", "none", """{"method":"2022-blake3-aes-128-gcm","server_psk":"AAECAwQFBgcICQoLDA0ODw=="}"""),
        ("fi-hel-1", "hy2", "hysteria2", "udp", "tls", """{"server_name":"hel.example.com","obfs":"salamander","obfs_password":"salad","up_mbps":50,"down_mbps":200}"""),
        ("fi-hel-1", "tuic", "tuic", "udp", "tls", """{"server_name":"hel.example.com","congestion_control":"bbr","alpn":["h3"]}"""),
    ];

    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private ConfigInbound[] _inbounds = [];
    private ClientConfig _config = null!;

    /// <summary>The six inbounds on the default template, for the other formats' benchmarks.</summary>
    internal static ClientConfig SixInboundConfig() => ClientConfig.Build(ConfigTemplate.Default, ParseRows(), Secret);

    [GlobalSetup]
    public void Setup()
    {
        _inbounds = [.. ParseRows()];
        _config = ClientConfig.Build(ConfigTemplate.Default, _inbounds, Secret);
    }

    [Benchmark(Description = "Write JSON, 6 inbounds")]
    public int Render()
    {
        _buffer.ResetWrittenCount();
        ConfigRenderer.Write(_buffer, _config);
        return _buffer.WrittenCount;
    }

    [Benchmark(Description = "Credentials + tags + JSON, 6 inbounds")]
    public int BuildAndRender() => ConfigRenderer.Render(ClientConfig.Build(ConfigTemplate.Default, _inbounds, Secret)).Length;

#pragma warning disable CA1822 // BenchmarkDotNet runs instance methods
    [Benchmark(Description = "Validate 6 inbound rows")]
    public int ParseInbounds() => ParseRows().Count;
#pragma warning restore CA1822

    private static List<ConfigInbound> ParseRows()
    {
        var list = new List<ConfigInbound>(Rows.Length);
        foreach (var row in Rows)
        {
            if (!InboundSpec.TryParse(row.Protocol, "node1.example.com", 443, row.Network, row.Tls, row.Settings, out InboundSpec? spec, out _))
                throw new InvalidOperationException($"Benchmark row {row.Tag} is invalid.");
            list.Add(new ConfigInbound(row.Node, row.Tag, spec));
        }
        return list;
    }
}
