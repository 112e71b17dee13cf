using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Vpn.Perf.Api.Mihomo;
using Vpn.Perf.Api.ShareLinks;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.Xray;
using Vpn.Perf.Benchmarks.SingBox;
using YamlDotNet.RepresentationModel;

namespace Vpn.Perf.Benchmarks.ClientFormats;

/// <summary>
/// A config-cache miss's rendering cost per format for the six-inbound subscription of the sing-box benchmark, and the
/// choice of YAML writer: our writer renders the mihomo profile from the model, YamlDotNet 18 only emits the same
/// document from a node tree built beforehand (which favours it: building the tree is left out).
/// Run: <c>cd bench &amp;&amp; dotnet run -c Release -- --filter '*ClientFormat*' --inProcess</c>.
/// </summary>
[MemoryDiagnoser]
public class ClientFormatBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private ClientConfig _config = null!;
    private YamlStream _mihomoTree = null!;

    [GlobalSetup]
    public void Setup()
    {
        _config = RenderBenchmarks.SixInboundConfig();
        _mihomoTree = new YamlStream();
        using var reader = new StringReader(Encoding.UTF8.GetString(MihomoRenderer.Render(_config, "none")));
        _mihomoTree.Load(reader);
    }

    [Benchmark(Baseline = true, Description = "sing-box JSON")]
    public int SingBox()
    {
        _buffer.ResetWrittenCount();
        ConfigRenderer.Write(_buffer, _config);
        return _buffer.WrittenCount;
    }

    [Benchmark(Description = "mihomo YAML, our writer")]
    public int Mihomo() => MihomoRenderer.Render(_config, "none").Length;

    [Benchmark(Description = "mihomo YAML, YamlDotNet emitting a prepared tree")]
    public int MihomoYamlDotNet()
    {
        using var writer = new StringWriter();
        _mihomoTree.Save(writer, assignAnchors: false);
        return writer.GetStringBuilder().Length;
    }

    [Benchmark(Description = "Xray JSON")]
    public int Xray() => XrayRenderer.Render(_config, "none").Length;

    [Benchmark(Description = "share links, base64")]
    public int Links() => ShareLinkRenderer.RenderBase64(_config).Length;
}
