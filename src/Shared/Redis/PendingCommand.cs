namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// One submitted command awaiting its reply.
/// <para>
/// A <see cref="TaskCompletionSource{TResult}"/> with <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>
/// rather than a pooled <c>IValueTaskSource</c>: the reader loop completes thousands of these per read and must never
/// run a caller's continuation inline (it would stall every other reply behind it), and an operation here can be
/// finished from three sides (reply, caller cancellation, connection failure), which a task tolerates with no reuse
/// hazard. The cost is one object plus its task per command (about 200 B), small next to the command and reply
/// themselves; a pooled source can replace it behind the same <c>ValueTask</c> API if a profile asks for it.
/// </para>
/// </summary>
internal sealed class PendingCommand : TaskCompletionSource<RespValue>
{
    private CancellationTokenRegistration _cancellation;
    private RespPayload? _payload;

    public PendingCommand(RespPayload payload, long startedAt)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _payload = payload;
        StartedAt = startedAt;
    }

    /// <summary>The <see cref="TimeProvider"/> timestamp at submission; the command timeout counts from it.</summary>
    public long StartedAt { get; }

    /// <summary>
    /// Lets the caller stop waiting. The command keeps its place in the reply order (its reply is read and dropped);
    /// if it was not yet written, the writer skips it.
    /// </summary>
    public void RegisterCancellation(CancellationToken ct)
    {
        if (ct.CanBeCanceled)
            _cancellation = ct.UnsafeRegister(static (state, token) => ((PendingCommand)state!).TrySetCanceled(token), this);
    }

    /// <summary>Hands the bytes to the writer; the caller releases them once they are in the pipe.</summary>
    public RespPayload? TakePayload() => Interlocked.Exchange(ref _payload, null);

    public void Complete(in RespValue reply)
    {
        if (reply.IsError)
            TrySetException(new RedisServerException(reply.ErrorMessage!));
        else
            TrySetResult(reply);
    }

    /// <summary>Called exactly once when the command leaves the connection (answered, failed or skipped).</summary>
    public void Retire()
    {
        // Unregister, not Dispose: Dispose waits for a running callback, and this runs on the reader loop.
        _cancellation.Unregister();
        TakePayload()?.Release();
    }
}
