using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Vpn.Perf.Shared.Buffers;

/// <summary>
/// Tells the CPU to start loading memory that a loop will read a few items later, so that the misses of reads spread
/// over a large buffer or table overlap instead of each waiting for the one before. A hint, nothing more: on a CPU
/// without the instruction it does nothing, and the address it is given is never read by our code.
/// </summary>
public static class CacheHint
{
    /// <summary>Starts loading the cache line that holds <paramref name="value"/>.</summary>
    public static unsafe void Prefetch<T>(ref readonly T value)
    {
        // The object may move before the hint is taken: a prefetch of any address is harmless.
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.AsRef(in value)));
    }
}
