namespace Vpn.Perf.Api.Features.Usage;

/// <summary>One step of usage: bytes up (client to server), down, and how many node reports they came from.</summary>
internal sealed record UsagePoint(DateTimeOffset Start, long BytesUp, long BytesDown, long Reports);
