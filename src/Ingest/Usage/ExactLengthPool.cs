namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// Arrays of an exact length, kept for reuse: StackExchange.Redis sends a script's KEYS and ARGV arrays whole, so they
/// cannot be rented larger from <see cref="System.Buffers.ArrayPool{T}"/>, yet a round's calls have lengths that repeat.
/// Renting and returning may happen on different threads at once.
/// </summary>
/// <remarks>
/// Bounded by construction: at most <see cref="PerLength"/> arrays of each length up to <see cref="MaxLength"/> (for
/// 32-byte elements, 16 MiB at the very worst); a longer array is allocated and dropped.
/// </remarks>
internal sealed class ExactLengthPool<T>
{
    public const int MaxLength = 512;
    public const int PerLength = 4;

    private readonly T[]?[]?[] _free = new T[]?[MaxLength + 1][];
    private readonly int[] _count = new int[MaxLength + 1];
    private readonly Lock _lock = new();

    /// <summary>An array of exactly <paramref name="length"/> elements, holding what it held before (the caller sets them all).</summary>
    public T[] Rent(int length)
    {
        if (length <= MaxLength)
        {
            lock (_lock)
            {
                if (_count[length] > 0)
                {
                    T[]?[] free = _free[length]!;
                    T[] array = free[--_count[length]]!;
                    free[_count[length]] = null;
                    return array;
                }
            }
        }
        return new T[length];
    }

    /// <summary>Keeps <paramref name="array"/> for a later <see cref="Rent"/> of its length; its caller no longer uses it.</summary>
    public void Return(T[] array)
    {
        int length = array.Length;
        if (length > MaxLength) return;
        lock (_lock)
        {
            T[]?[] free = _free[length] ??= new T[]?[PerLength];
            if (_count[length] < PerLength) free[_count[length]++] = array;
        }
    }
}
