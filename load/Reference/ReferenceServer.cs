using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using StackExchange.Redis;
using Vpn.Perf.Shared.Redis;
using Vpn.Perf.Shared.Wire;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Load.Reference;

/// <summary>
/// The yardstick: a bare Kestrel app with Ingest's shape (slim builder, same route, same GC mode when started by
/// the load tool) that drains the body and answers a constant 200 MessagePack map like Ingest's. Whatever the
/// same load gets here is the ceiling HTTP alone allows on this machine; Ingest's figures are reported against it.
/// For the config scenario it also serves <c>GET /s/{token}</c>: a constant JSON body of <c>--config-body-bytes</c>
/// (the size of the Api's config) with the same headers the Api sends, or an empty 304 when If-None-Match carries
/// its ETag. With <c>--redis CONN</c> each such answer first reads one Redis key with StackExchange.Redis (a plain
/// GET per request, as the straightforward server would make it), whose value goes into the usage header: what any
/// server pays that reads live usage per fetch. With <c>--durable FILE</c> each report batch is answered only once its body
/// is appended to FILE and on disk (<see cref="DurableAppender"/>): what any server pays that acknowledges durably; adding
/// <c>--validate</c>, each body is first decoded and checked whole with Ingest's codec (<see cref="TrafficBatchParser"/>),
/// from the one contiguous copy the append makes anyway: what any server pays that acknowledges only well-formed batches,
/// durably.
/// </summary>
internal static class ReferenceServer
{
    // {"accepted": 250, "duplicate": false, "cutoff": []}: the size and shape of Ingest's usual answer.
    private static readonly byte[] Accepted =
    [
        0x83,
        0xa8, .. "accepted"u8, 0xcc, 250,
        0xa9, .. "duplicate"u8, 0xc2,
        0xa6, .. "cutoff"u8, 0x90,
    ];

    private const string ConfigETag = "\"0123456789abcdef0123456789abcdef\"";

    private static long s_requests;
    private static long s_configRequests;
    private static long s_bodyBytes;
    private static byte[] s_config = [];
    private static IDatabase? s_redis;
    private static DurableAppender? s_durable;
    private static bool s_validate;

    // The bodies waiting for their fsync: 256 nodes' batches in flight, more than ArrayPool.Shared keeps per size.
    private static readonly ArrayPool<byte> Bodies = ArrayPool<byte>.Create(maxArrayLength: 1 << 24, maxArraysPerBucket: 1024);

    public static async Task<int> RunAsync(ReadOnlyMemory<string> args)
    {
        int port = 5290;
        ConnectionMultiplexer? redis = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args.Span[i] == "--port" && i + 1 < args.Length) port = int.Parse(args.Span[++i], CultureInfo.InvariantCulture);
            else if (args.Span[i] == "--config-body-bytes" && i + 1 < args.Length) s_config = ConfigBody(int.Parse(args.Span[++i], CultureInfo.InvariantCulture));
            else if (args.Span[i] == "--redis" && i + 1 < args.Length) redis = await RedisConnector.ConnectAsync(args.Span[++i], clientName: "vpnperf-load-reference");
            else if (args.Span[i] == "--durable" && i + 1 < args.Length) s_durable = new DurableAppender(args.Span[++i]);
            else if (args.Span[i] == "--validate") s_validate = true;
        }
        s_redis = redis?.GetDatabase();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ListenLocalhost(port);
        });
        // As in Ingest: nothing is logged per request.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        var app = builder.Build();
        app.MapPost("/v1/reports", s_durable is null ? HandleAsync : HandleDurablyAsync);
        // The load tool names the format in the path (/s/{token}/singbox); the answer is the same JSON body either way.
        app.MapGet("/s/{token}/{format?}", static context => s_redis is { } db
            ? ConfigAfterReadAsync(db, (string)context.Request.RouteValues["token"]!, context)
            : ConfigAsync(context, null));
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.MapGet("/metrics", RenderMetrics);
        Console.WriteLine($"reference server on http://127.0.0.1:{port} (pid {Environment.ProcessId})");
        await app.RunAsync();
        s_durable?.Dispose();
        return 0;
    }

    private static async Task HandleAsync(HttpContext context)
    {
        PipeReader body = context.Request.BodyReader;
        long bytes = 0;
        while (true)
        {
            ReadResult read = await body.ReadAsync(context.RequestAborted);
            bytes += read.Buffer.Length;
            body.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted) break;
        }
        await AnswerAsync(context, bytes);
    }

    /// <summary>As <see cref="HandleAsync"/>, answering once the whole body is on disk.</summary>
    private static async Task HandleDurablyAsync(HttpContext context)
    {
        PipeReader body = context.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await body.ReadAsync(context.RequestAborted);
            if (read.IsCompleted) break;
            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
        int length = checked((int)read.Buffer.Length);
        byte[] copy = Bodies.Rent(length);
        try
        {
            read.Buffer.CopyTo(copy);
            body.AdvanceTo(read.Buffer.End);
            if (s_validate && !IsWellFormed(copy, length))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            await s_durable!.AppendAsync(copy.AsMemory(0, length));
        }
        finally
        {
            Bodies.Return(copy);
        }
        await AnswerAsync(context, length);
    }

    private static bool IsWellFormed(byte[] body, int length)
    {
        var handler = new CheckOnly();
        try
        {
            TrafficBatchParser.Parse(new ReadOnlySequence<byte>(body, 0, length), TrafficBatchLimits.Default, ref handler);
            return true;
        }
        catch (WireFormatException)
        {
            return false;
        }
    }

    /// <summary>Keeps nothing: the parser checks every field whatever the handler does with it.</summary>
    private readonly struct CheckOnly : ITrafficBatchHandler
    {
        public void OnHeader(in BatchHeader header) { }

        public void OnReport(in TrafficReport report) { }

        public void OnAccessCount(int count) { }

        public void OnAccess(in AccessEvent accessEvent, ReadOnlySpan<byte> note, bool hasNote) { }
    }

    private static async Task AnswerAsync(HttpContext context, long bodyBytes)
    {
        Interlocked.Increment(ref s_requests);
        Interlocked.Add(ref s_bodyBytes, bodyBytes);
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/msgpack";
        response.ContentLength = Accepted.Length;
        await response.BodyWriter.WriteAsync(Accepted, context.RequestAborted);
    }

    /// <summary>As <see cref="ConfigAsync"/>, after reading the key the load tool seeded for <paramref name="token"/>.</summary>
    private static async Task ConfigAfterReadAsync(IDatabase redis, string token, HttpContext context)
    {
        RedisValue used = await redis.StringGetAsync(UsageKey(token));
        await ConfigAsync(context, "upload=0; download=" + (long)used + "; total=107374182400; expire=1900000000");
    }

    /// <summary>The key the reference reads for a token (seeded by the load tool, deleted after the run).</summary>
    public static string UsageKey(string token) => "vpnperf-load:reference-usage:" + token;

    /// <summary>What the Api's <c>GET /s/{token}</c> does on a warm cache, minus the lookup and (unless given) the Redis read: headers, then 304 or the body.</summary>
    private static Task ConfigAsync(HttpContext context, string? userInfo)
    {
        // Counted apart: in the mixed scenario /metrics must give the report batches alone, as Ingest's does.
        Interlocked.Increment(ref s_configRequests);
        HttpResponse response = context.Response;
        IHeaderDictionary h = response.Headers;
        h["subscription-userinfo"] = userInfo ?? "upload=0; download=0; total=107374182400; expire=1900000000";
        h["profile-update-interval"] = "12";
        h["profile-title"] = "Vpn.Perf load";
        h.ContentDisposition = "attachment; filename=\"Vpn.Perf-load.json\"";
        h.ETag = ConfigETag;
        h.CacheControl = "private, no-cache";
        if (context.Request.Headers.IfNoneMatch.ToString() == ConfigETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = s_config.Length;
        return response.BodyWriter.WriteAsync(s_config, context.RequestAborted).AsTask();
    }

    /// <summary><c>{"pad":"xx…x"}</c>, exactly <paramref name="bytes"/> long: valid JSON of the config's size.</summary>
    private static byte[] ConfigBody(int bytes)
    {
        byte[] body = new byte[Math.Max(bytes, 10)];
        "{\"pad\":\""u8.CopyTo(body);
        body.AsSpan(8, body.Length - 10).Fill((byte)'x');
        "\"}"u8.CopyTo(body.AsSpan(body.Length - 2));
        return body;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult RenderMetrics() => TypedResults.Text(string.Create(CultureInfo.InvariantCulture,
        $"""
        # TYPE vpnperf_ingest_requests_total counter
        vpnperf_ingest_requests_total{"{"}status="200"{"}"} {Volatile.Read(ref s_requests)}
        # TYPE vpnperf_reference_config_requests_total counter
        vpnperf_reference_config_requests_total {Volatile.Read(ref s_configRequests)}
        # TYPE vpnperf_ingest_body_bytes_total counter
        vpnperf_ingest_body_bytes_total {Volatile.Read(ref s_bodyBytes)}
        # TYPE process_working_set_bytes gauge
        process_working_set_bytes {Environment.WorkingSet}

        """), "text/plain; version=0.0.4");
}
