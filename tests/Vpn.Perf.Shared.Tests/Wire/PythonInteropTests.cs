using System.Text.Json;
using System.Text.Json.Nodes;
using Vpn.Perf.Shared.Wire.TrafficReport;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>Interop with an independent encoder and decoder: Debian's python3-msgpack.</summary>
public sealed class PythonInteropTests
{
    // Encodes the batch described by argv[1] (JSON). argv[2] picks the integer and header encodings:
    //   natural - msgpack.packb of the whole batch (smallest encodings, as any msgpack library writes);
    //   wide    - every unsigned as uint 64, every signed as int 64, array headers as array 16, notes as str 32;
    //   signed  - non-negative unsigned fields as the smallest int 8..64 (signed family), signed fields as int 64.
    private const string EncodeScript = """
        import sys, json, struct, uuid, msgpack
        spec, mode = json.loads(sys.argv[1]), sys.argv[2]
        U = lambda h: uuid.UUID(h).bytes
        if mode == 'natural':
            out = msgpack.packb([1, spec['seq'], spec['sent_at'],
                                 [[U(r[0]), U(r[1]), r[2], r[3], r[4], r[5]] for r in spec['reports']],
                                 [[U(a[0]), a[1], U(a[2]), U(a[3]), a[4], a[5], a[6]] for a in spec['access']]],
                                use_bin_type=True)
        else:
            P = msgpack.Packer(use_bin_type=True)
            arr = lambda n: b'\xdc' + struct.pack('>H', n)
            def u(v):
                if mode == 'signed' and v < 2**63:
                    for code, fmt, top in ((0xd0, '>b', 2**7), (0xd1, '>h', 2**15), (0xd2, '>i', 2**31), (0xd3, '>q', 2**63)):
                        if v < top:
                            return bytes([code]) + struct.pack(fmt, v)
                return b'\xcf' + struct.pack('>Q', v)
            i = lambda v: b'\xd3' + struct.pack('>q', v)
            b = lambda h: P.pack(U(h))
            def s(t):
                if t is None:
                    return P.pack(None)
                e = t.encode('utf-8')
                return b'\xdb' + struct.pack('>I', len(e)) + e
            out = arr(5) + u(1) + u(spec['seq']) + i(spec['sent_at']) + arr(len(spec['reports']))
            for r in spec['reports']:
                out += arr(6) + b(r[0]) + b(r[1]) + u(r[2]) + u(r[3]) + i(r[4]) + u(r[5])
            out += arr(len(spec['access']))
            for a in spec['access']:
                out += arr(7) + b(a[0]) + i(a[1]) + b(a[2]) + b(a[3]) + u(a[4]) + u(a[5]) + s(a[6])
        sys.stdout.write(out.hex())
        """;

    // Decodes argv[1] (hex) strictly (trailing bytes raise ExtraData), prints it as JSON with UUIDs in canonical
    // text, and says whether msgpack's own encoder reproduces the exact bytes (it writes smallest encodings too).
    private const string DecodeScript = """
        import sys, json, uuid, msgpack
        data = bytes.fromhex(sys.argv[1])
        obj = msgpack.unpackb(data, raw=False, strict_map_key=True)
        conv = lambda x: str(uuid.UUID(bytes=x)) if isinstance(x, bytes) else [conv(y) for y in x] if isinstance(x, list) else x
        sys.stdout.write(json.dumps({'batch': conv(obj), 'identical': msgpack.packb(obj, use_bin_type=True) == data}))
        """;

    [Theory]
    [InlineData("natural")]
    [InlineData("wide")]
    [InlineData("signed")]
    public async Task Parse_PythonEncodedBatch_SameValues(string mode)
    {
        SampleBatch batch = SampleBatch.Small();

        byte[] body = Convert.FromHexString(await Python.RunAsync(EncodeScript, Spec(batch), mode));

        Assert.Equal(batch.ExpectedDump(), SampleBatch.Parse(body));
        Assert.Equal(batch.ExpectedDump(), SampleBatch.Parse(Segments.Chunked(body, 3)));
    }

    [Fact]
    public async Task Parse_PythonNaturalEncoding_IsByteIdenticalToOurWriter()
    {
        SampleBatch batch = SampleBatch.Small();

        string hex = await Python.RunAsync(EncodeScript, Spec(batch), "natural");

        Assert.Equal(SampleBatch.Hex(batch.Encode()), hex);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Encode_DecodedByPython_SameValuesAndCanonicalBytes(bool golden)
    {
        SampleBatch batch = golden ? SampleBatch.Golden() : SampleBatch.Small();

        JsonNode result = JsonNode.Parse(await Python.RunAsync(DecodeScript, SampleBatch.Hex(batch.Encode())))!;

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(AsJsonArray(batch)), result["batch"]), $"Python decoded {result["batch"]!.ToJsonString()}");
        Assert.True(result["identical"]!.GetValue<bool>(), "msgpack re-encodes our bytes differently: our writer is not minimal.");
    }

    private static string Spec(SampleBatch batch) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["seq"] = batch.Seq,
        ["sent_at"] = batch.SentAtMs,
        ["reports"] = batch.Reports.Select(r => new object[] { r.SubscriptionId, r.InboundId, r.BytesUp, r.BytesDown, r.IntervalStart, r.IntervalSeconds }),
        ["access"] = batch.Access.Select(a => new object?[] { a.Event.EventId, a.Event.TimestampMs, a.Event.SubscriptionId, a.Event.InboundId, a.Event.BytesUp, a.Event.BytesDown, a.Note }),
    });

    private static string AsJsonArray(SampleBatch batch) => JsonSerializer.Serialize(new object[]
    {
        TrafficBatchLayout.Version,
        batch.Seq,
        batch.SentAtMs,
        batch.Reports.Select(r => new object[] { r.SubscriptionId, r.InboundId, r.BytesUp, r.BytesDown, r.IntervalStart, r.IntervalSeconds }),
        batch.Access.Select(a => new object?[] { a.Event.EventId, a.Event.TimestampMs, a.Event.SubscriptionId, a.Event.InboundId, a.Event.BytesUp, a.Event.BytesDown, a.Note }),
    });
}
