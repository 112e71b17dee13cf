namespace Vpn.Perf.Api.Tests.Features.Configs;

/// <summary>A clock a test moves by hand (the testing package is not in the registry copy).</summary>
internal sealed class MutableTime(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
