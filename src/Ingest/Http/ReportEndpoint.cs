using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Primitives;
using Vpn.Perf.Ingest.Metrics;
using Vpn.Perf.Ingest.Spool;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared;
using Vpn.Perf.Shared.Wire;
using Vpn.Perf.Shared.Wire.MessagePack;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.Http;

/// <summary>
/// <c>POST /v1/reports</c>: authenticate the node, read and decode the batch, make it durable in the spool,
/// apply it to the Redis counters, and answer <c>{accepted, duplicate, cutoff, rejected}</c>. A batch is acknowledged
/// only after both the spool fsync and the Redis script have completed; anything less is a 503 the node
/// retries with the same seq, which both stages recognise.
/// </summary>
internal sealed partial class ReportEndpoint(
    NodeTokenCache tokens,
    BatchDecider decider,
    UsageApplier usage,
    DurableSpool spool,
    NodeActivity activity,
    RejectionNotices rejections,
    IngestMetrics metrics,
    IngestOptions options,
    TimeProvider time,
    ILogger<ReportEndpoint> logger)
{
    private static readonly TimeSpan RedisFailureLogInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RejectionLogInterval = TimeSpan.FromSeconds(10);
    private long _lastRedisFailureLog;
    private long _lastRejectionLog;
    private int _inFlight;
    private readonly ObjectPool<BatchContext> _batches = BatchContextPolicy.CreatePool();

    private static readonly string[] AcceptedMediaTypes = ["application/msgpack", "application/x-msgpack", "application/vnd.msgpack"];

    public async Task HandleAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        // What the client gets when an exception escapes: counted too, so a fault shows in the metrics.
        int status = StatusCodes.Status500InternalServerError;
        try
        {
            // Checked before anything is read: an overload costs neither memory for a body nor work downstream.
            status = Interlocked.Increment(ref _inFlight) > options.MaxConcurrentRequests
                ? await TooManyAsync(context)
                : await ProcessAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The node hung up. It got no 2xx, so it retries the same seq; whatever this attempt already made
            // durable is recognised then. Nothing to answer and nothing to log.
            status = StatusCodes.Status499ClientClosedRequest;
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own verdict on the request (a body shorter than its Content-Length, too slow): it answers it.
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            metrics.RequestCompleted(status, Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>The stages in order; each either hands the request on or refuses it (<see cref="Refusal"/>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ProcessAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        CancellationToken ct = context.RequestAborted;
        if (CheckHeaders(request, out bool gzip) is { } badHeaders) return await RefuseAsync(context, badHeaders);
        (Guid nodeId, Refusal? unauthenticated) = await AuthenticateAsync(request, ct);
        if (unauthenticated is { } refused) return await RefuseAsync(context, refused);

        (RequestBody.Status bodyStatus, RequestBody body) = await RequestBody.ReadAsync(request.BodyReader, gzip, options.MaxRequestBodyBytes, Limits.MaxBatchBytes, ct);
        using (body)
        {
            if (CheckBody(bodyStatus) is { } badBody) return await RefuseAsync(context, badBody);
            BatchContext batch = _batches.Get();
            try
            {
                long nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
                if (Decode(body.Data, batch, nowMs) is { } malformed) return await RefuseAsync(context, malformed);
                if (await DecideAsync(batch, nodeId, nowMs, ct) is { } undecided) return await RefuseAsync(context, undecided);
                (UsageOutcome outcome, Refusal? uncommitted) = await CommitAsync(batch, nodeId, nowMs, body.Data, ct);
                if (uncommitted is { } notDurable) return await RefuseAsync(context, notDurable);
                return await AnswerAsync(context, batch, nodeId, nowMs, body.Data.Length, outcome);
            }
            finally
            {
                // Every stage that reads the batch has finished by now: CommitAsync waits for the usage round even when the spool fails.
                _batches.Return(batch);
            }
        }
    }

    /// <summary>Media type, declared length and encoding: checked before anything is read.</summary>
    private Refusal? CheckHeaders(HttpRequest request, out bool gzip)
    {
        gzip = false;
        if (!IsMsgPack(request.ContentType))
        {
            return new Refusal(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type",
                "Content-Type must be application/msgpack (or application/x-msgpack, application/vnd.msgpack).");
        }
        if (request.ContentLength > options.MaxRequestBodyBytes)
        {
            return new Refusal(StatusCodes.Status413PayloadTooLarge, "body-too-large",
                $"The body has {request.ContentLength} bytes; the limit is {options.MaxRequestBodyBytes} (Ingest:MaxRequestBodyBytes).");
        }
        StringValues encoding = request.Headers.ContentEncoding;
        if (encoding.Count == 0) return null;
        if (encoding.Count == 1 && string.Equals(encoding[0], "gzip", StringComparison.OrdinalIgnoreCase))
        {
            gzip = true;
            return null;
        }
        return encoding.Count == 1 && string.Equals(encoding[0], "identity", StringComparison.OrdinalIgnoreCase)
            ? null
            : new Refusal(StatusCodes.Status415UnsupportedMediaType, "unsupported-encoding", "Content-Encoding must be gzip or absent.");
    }

    /// <summary>The node the bearer token names; a token not in the cache needs Redis, and while it is down the node must retry, not see a 500 or a 401.</summary>
    private async ValueTask<(Guid Node, Refusal? Refusal)> AuthenticateAsync(HttpRequest request, CancellationToken ct)
    {
        Guid? node;
        try
        {
            node = await tokens.ResolveAsync(BearerToken(request.Headers.Authorization), ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            metrics.RedisFailed();
            if (ShouldLogRedisFailure()) LogTokenLookupFailed(logger, ex.Message);
            return (default, Refusal.Overloaded("redis-unavailable", "Node tokens are unavailable; retry the same batch later."));
        }
        return node is { } id
            ? (id, null)
            : (default, new Refusal(StatusCodes.Status401Unauthorized, "bad-token", "The node token is missing, unknown or revoked."));
    }

    private Refusal? CheckBody(RequestBody.Status status) => status switch
    {
        RequestBody.Status.TooLarge => new Refusal(StatusCodes.Status413PayloadTooLarge, "body-too-large",
            $"The body is larger than {options.MaxRequestBodyBytes} bytes as sent or {Limits.MaxBatchBytes} bytes decoded."),
        RequestBody.Status.BadGzip => new Refusal(StatusCodes.Status400BadRequest, "bad-gzip", "The body is not a valid gzip stream."),
        _ => null,
    };

    /// <summary>Decodes the batch into <paramref name="batch"/>, rejecting the reports outside the configured bounds as it goes.</summary>
    private Refusal? Decode(System.Buffers.ReadOnlySequence<byte> data, BatchContext batch, long nowMs)
    {
        try
        {
            var handler = new CollectingHandler(batch, options.BucketCount, new ReportBounds(options, nowMs));
            TrafficBatchParser.Parse(data, TrafficBatchLimits.Default, ref handler);
            return null;
        }
        catch (WireFormatException ex)
        {
            return new Refusal(StatusCodes.Status400BadRequest, ex.Reason.ToString(), ex.Message);
        }
    }

    /// <summary>
    /// The verdicts (scope, bounds) are made here, once, and spooled with the batch: Redis, ClickHouse and every replay
    /// follow them, whatever the scope is by the time they run.
    /// </summary>
    private async ValueTask<Refusal?> DecideAsync(BatchContext batch, Guid nodeId, long nowMs, CancellationToken ct)
    {
        try
        {
            await decider.DecideAsync(batch, nodeId, nowMs, decideScope: true, ct);
            return null;
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            metrics.RedisFailed();
            if (ShouldLogRedisFailure()) LogRedisFailed(logger, nodeId, batch.Header.Seq, ex.Message);
            return Refusal.Overloaded("redis-unavailable", "Subscription states are unavailable; retry the same batch later.");
        }
    }

    /// <summary>
    /// Makes the batch durable in the spool and applies it to the usage counters. A full or faulted spool answers at
    /// once: nothing is applied to Redis for a batch the node must resend. Otherwise Redis works while the spool waits
    /// for its group-commit fsync, so the answer waits for the slower stage rather than for both in turn. Either stage
    /// may finish first: both recognise the retried seq after a 503 (docs/ingest.md), and the answer waits for both.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(UsageOutcome Outcome, Refusal? Refusal)> CommitAsync(
        BatchContext batch, Guid nodeId, long nowMs, System.Buffers.ReadOnlySequence<byte> data, CancellationToken ct)
    {
        ValueTask<SpoolAppendResult> appending = AppendToSpool(batch, nodeId, nowMs, data, ct);
        ValueTask<UsageAttempt> applying = appending.IsCompleted ? default : ApplyUsageAsync(batch, nodeId, nowMs, ct);
        SpoolAppendResult appended;
        UsageAttempt attempt;
        try
        {
            appended = await appending;
        }
        finally
        {
            // Always waited for, even when the spool failed: the usage round reads this request's batch buffers.
            attempt = await applying;
        }
        switch (appended.Status)
        {
            case SpoolAppendStatus.Full:
                return (default, Refusal.Overloaded("spool-full", "The durable buffer is full while ClickHouse catches up; retry the same batch later."));
            case SpoolAppendStatus.Faulted:
                return (default, Refusal.Overloaded("spool-faulted", "The durable buffer failed a disk write and accepts nothing until Ingest restarts; retry the same batch later."));
        }
        if (!attempt.Applied)
        {
            // Spool appended synchronously (not the usual path): apply now, in turn.
            attempt = await ApplyUsageAsync(batch, nodeId, nowMs, ct);
        }
        if (attempt.RedisError is { } redisError)
        {
            metrics.RedisFailed();
            if (ShouldLogRedisFailure()) LogRedisFailed(logger, nodeId, batch.Header.Seq, redisError.Message);
            return (default, Refusal.Overloaded("redis-unavailable", "Usage counters are unavailable; retry the same batch later."));
        }
        return (attempt.Outcome, null);
    }

    private async ValueTask<int> AnswerAsync(HttpContext context, BatchContext batch, Guid nodeId, long nowMs, long bodyBytes, UsageOutcome outcome)
    {
        activity.Seen(nodeId, nowMs);
        int rejected = batch.Rejected;
        if (rejected > 0) Rejected(batch, nodeId);
        metrics.Accepted(batch.ReportCount - batch.RejectedReports, batch.AccessCount - batch.RejectedAccess, bodyBytes, outcome.Duplicate, batch.Cutoff.Count);
        WriteAccepted(context.Response, batch.ReportCount + batch.AccessCount - rejected, rejected, outcome.Duplicate, batch.Cutoff);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        return StatusCodes.Status200OK;
    }

    /// <summary>The usage stage's result, with a Redis failure as a value so the spool stage is still awaited.</summary>
    private readonly record struct UsageAttempt(bool Applied, UsageOutcome Outcome, Exception? RedisError);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<UsageAttempt> ApplyUsageAsync(BatchContext batch, Guid nodeId, long nowMs, CancellationToken ct)
    {
        try
        {
            return new UsageAttempt(true, await usage.ApplyAsync(batch, nodeId, nowMs, ct), null);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return new UsageAttempt(true, default, ex);
        }
    }

    /// <summary>Spools the body with its verdict bitmap (none when every item was accepted, the usual case).</summary>
    private ValueTask<SpoolAppendResult> AppendToSpool(BatchContext batch, Guid nodeId, long nowMs, System.Buffers.ReadOnlySequence<byte> data, CancellationToken ct)
    {
        int verdictBytes = batch.VerdictBytes;
        if (verdictBytes == 0)
        {
            return spool.AppendAsync(nodeId, batch.Header.Seq, nowMs, data, ct);
        }
        // At most (65 536 reports + 65 536 access events) / 8 = 16 KiB; the spool copies it before returning.
        byte[] verdicts = System.Buffers.ArrayPool<byte>.Shared.Rent(verdictBytes);
        try
        {
            batch.WriteVerdicts(verdicts);
            return spool.AppendAsync(nodeId, batch.Header.Seq, nowMs, data, verdicts.AsSpan(0, verdictBytes), ct);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(verdicts);
        }
    }

    /// <summary>
    /// Reports what was rejected: the metric by verdict, a warning at most every <see cref="RejectionLogInterval"/>,
    /// and the node's hourly notice for the audit log (<see cref="RejectionNotices"/>). Rare path.
    /// </summary>
    private void Rejected(BatchContext batch, Guid nodeId)
    {
        int scope = batch.RejectedAccess, bounds = 0, overflow = 0;
        for (int i = 0; i < batch.ReportCount; i++)
        {
            switch (batch.Reports[i].Verdict)
            {
                case ReportVerdict.OutOfScope: scope++; break;
                case ReportVerdict.OutOfBounds: bounds++; break;
                case ReportVerdict.Overflow: overflow++; break;
            }
        }
        metrics.Rejected(scope, bounds, overflow);
        rejections.Record(nodeId, batch.Rejected);
        if (IsFirstInInterval(ref _lastRejectionLog, RejectionLogInterval))
        {
            LogRejected(logger, nodeId, batch.Header.Seq, scope, bounds, overflow);
        }
    }

    private static void WriteAccepted(HttpResponse response, int accepted, int rejected, bool duplicate, List<Guid> cutoff)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/msgpack";
        var writer = new MessagePackWriter(response.BodyWriter);
        // Fields are only appended (docs/wire-format.md): a node that knows three reads on as before.
        writer.WriteMapHeader(4);
        writer.WriteString("accepted"u8);
        writer.WriteUInt64((ulong)accepted);
        writer.WriteString("duplicate"u8);
        writer.WriteBool(duplicate);
        writer.WriteString("cutoff"u8);
        writer.WriteArrayHeader(cutoff.Count);
        foreach (Guid id in cutoff)
        {
            writer.WriteUuid(id);
        }
        writer.WriteString("rejected"u8);
        writer.WriteUInt64((ulong)rejected);
        writer.Flush();
    }

    private ValueTask<int> TooManyAsync(HttpContext context) => RefuseAsync(context, new Refusal(StatusCodes.Status429TooManyRequests, "too-many-requests",
        $"More than {options.MaxConcurrentRequests} report requests are in progress (Ingest:MaxConcurrentRequests); retry the same batch later."));

    /// <summary>Errors are a status, a machine-readable reason header and a plain-text message; never the input echoed.</summary>
    private async ValueTask<int> RefuseAsync(HttpContext context, Refusal refusal)
    {
        HttpResponse response = context.Response;
        response.StatusCode = refusal.Status;
        if (refusal.Status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }
        else if (refusal.Status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            // The node retries the same batch: when, not whether.
            response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        response.Headers["X-Reject-Reason"] = refusal.Reason;
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync(refusal.Message, context.RequestAborted);
        return refusal.Status;
    }

    private static bool IsMsgPack(string? contentType)
    {
        if (contentType is null) return false;
        ReadOnlySpan<char> media = contentType.AsSpan();
        int semicolon = media.IndexOf(';');
        if (semicolon >= 0) media = media[..semicolon];
        media = media.Trim();
        foreach (string accepted in AcceptedMediaTypes)
        {
            if (media.Equals(accepted, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static ReadOnlySpan<char> BearerToken(StringValues authorization)
    {
        if (authorization.Count != 1 || authorization[0] is not { } value) return default;
        const string Scheme = "Bearer ";
        return value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? value.AsSpan(Scheme.Length).Trim() : default;
    }

    /// <summary>
    /// During an outage every request fails the same way: one warning per interval says so, and the count of
    /// the others is in <c>vpnperf_ingest_redis_failures_total</c>, so a long outage cannot flood the log.
    /// </summary>
    private bool ShouldLogRedisFailure() => IsFirstInInterval(ref _lastRedisFailureLog, RedisFailureLogInterval);

    /// <summary>True for one caller per <paramref name="interval"/> (the one that moves <paramref name="last"/> on), false for the rest.</summary>
    private static bool IsFirstInInterval(ref long last, TimeSpan interval)
    {
        long now = Stopwatch.GetTimestamp();
        long seen = Interlocked.Read(ref last);
        return (seen == 0 || Stopwatch.GetElapsedTime(seen, now) >= interval)
            && Interlocked.CompareExchange(ref last, now, seen) == seen;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} sent reports Ingest did not count (batch {Seq}: {OutOfScope} out of its scope, {OutOfBounds} out of bounds, {Overflow} overflowing); further ones are counted in vpnperf_ingest_rejected_total for 10 s")]
    private static partial void LogRejected(ILogger logger, Guid node, ulong seq, int outOfScope, int outOfBounds, int overflow);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed while resolving a node token: {Error}")]
    private static partial void LogTokenLookupFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed while applying batch {Seq} of node {Node}: {Error}")]
    private static partial void LogRedisFailed(ILogger logger, Guid node, ulong seq, string error);
}
