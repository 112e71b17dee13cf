using System.Buffers;
using Vpn.Perf.Shared.Wire;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>A deterministic corpus of damaged batches: only <see cref="WireFormatException"/> may come out.</summary>
public sealed class MutationTests
{
    private const int Seed = 20_251_122;
    private const int Mutations = 6_000;

    [Fact]
    public void Parse_SeededMutationCorpus_OnlyWireFormatExceptionAndSameOutcomeForAnySegmentation()
    {
        byte[] valid = SampleBatch.Small().Encode();
        var random = new Random(Seed);
        int rejected = 0;
        for (int i = 0; i < Mutations; i++)
        {
            byte[] body = Mutate(valid, random);
            string single = Outcome(new ReadOnlySequence<byte>(body), i);
            string chunked = Outcome(Segments.Chunked(body, 1 + (i % 5)), i);
            Assert.True(single == chunked, $"Mutation {i} ({SampleBatch.Hex(body)}): single segment gave {single}, chunked gave {chunked}.");
            if (!single.StartsWith("ok", StringComparison.Ordinal))
            {
                rejected++;
            }
        }

        Assert.True(rejected > Mutations / 2, $"Only {rejected} of {Mutations} mutations were rejected: the corpus is too gentle.");
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = new List<byte>(valid);
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256); // replace with any byte
                    break;
                case 1:
                    bytes[at] ^= (byte)(1 << random.Next(8)); // flip one bit
                    break;
                case 2:
                    bytes.RemoveRange(at, bytes.Count - at); // truncate
                    break;
                case 3:
                    bytes.Insert(at, (byte)random.Next(256)); // insert
                    break;
                case 4:
                    bytes.RemoveAt(at); // delete
                    break;
                default:
                    bytes[at] = Interesting[random.Next(Interesting.Length)]; // a type byte or a boundary value
                    break;
            }
        }

        return bytes.ToArray();
    }

    private static readonly byte[] Interesting = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc4, 0xc5, 0xc6, 0xc9, 0xcf, 0xd3, 0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff];

    private static string Outcome(ReadOnlySequence<byte> body, int mutation)
    {
        try
        {
            return "ok " + SampleBatch.Parse(body);
        }
        catch (WireFormatException ex)
        {
            return $"{ex.Reason}: {ex.Message}";
        }
        catch (Exception ex)
        {
            Assert.Fail($"Mutation {mutation} threw {ex.GetType().Name} instead of WireFormatException: {ex}");
            throw;
        }
    }
}
