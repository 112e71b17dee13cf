using System.Buffers;
using System.Text;
using Vpn.Perf.Shared.Wire.MessagePack;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>The 200 answer of <c>POST /v1/reports</c>: <c>{accepted, duplicate, cutoff: [bin16], rejected}</c>, decoded with our reader.</summary>
internal sealed record ReportResponse(ulong Accepted, bool Duplicate, IReadOnlyList<Guid> Cutoff, ulong Rejected)
{
    public static ReportResponse Parse(byte[] body)
    {
        var reader = new MessagePackReader(new ReadOnlySequence<byte>(body), body.Length, Shared.Limits.MaxSkipDepth);
        Check(reader.TryReadMapHeader(out int count), "map header");
        ulong accepted = 0, rejected = 0;
        bool duplicate = false, sawAccepted = false, sawDuplicate = false, sawCutoff = false, sawRejected = false;
        var cutoff = new List<Guid>();
        for (int i = 0; i < count; i++)
        {
            Check(reader.TryReadStringOrNil(64, out ReadOnlySequence<byte> keyBytes, out bool isNil) && !isNil, "key");
            string key = Encoding.UTF8.GetString(keyBytes.ToArray());
            switch (key)
            {
                case "accepted":
                    Check(reader.TryReadUInt64(out accepted), key);
                    sawAccepted = true;
                    break;
                case "duplicate":
                    Check(reader.TryReadBool(out duplicate), key);
                    sawDuplicate = true;
                    break;
                case "cutoff":
                    Check(reader.TryReadArrayHeader(out int n), key);
                    for (int k = 0; k < n; k++)
                    {
                        Check(reader.TryReadUuid(out Guid id), "cutoff id");
                        cutoff.Add(id);
                    }
                    sawCutoff = true;
                    break;
                case "rejected":
                    Check(reader.TryReadUInt64(out rejected), key);
                    sawRejected = true;
                    break;
                default:
                    Check(reader.TrySkip(), key);
                    break;
            }
        }
        Check(reader.End, "end of body");
        Check(sawAccepted && sawDuplicate && sawCutoff && sawRejected, "all four keys");
        return new ReportResponse(accepted, duplicate, cutoff, rejected);
    }

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new InvalidDataException($"The report response is not the expected MessagePack map ({what}).");
    }
}
