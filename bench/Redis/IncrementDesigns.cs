using System.Diagnostics;
using System.Globalization;
using System.Text;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Benchmarks.Redis;

/// <summary>
/// What a usage increment costs Redis and the client in the two designs that keep a call atomic on one slot, against a
/// live server, beside <c>redis-benchmark -P 128</c> HINCRBY in the same run (issue 15's reference for the Redis stage):
/// <list type="bullet">
/// <item><b>script</b>: one EVALSHA per call, the usage keys in KEYS and their deltas in ARGV, each increment a
/// <c>redis.call('INCRBY')</c> — the increment loop of <c>UsageScript</c> with nothing else around it but the call's
/// dedup check, so the floor of any Lua design;</item>
/// <item><b>transaction</b>: MULTI, a guard script that checks and records the call's seq (handed one argument the size
/// of the call's keys and deltas, which it would read only to take the increments back on a retry), one plain INCRBY
/// per key, EXEC —
/// through StackExchange.Redis's <see cref="ITransaction"/>, the only way the library sends a MULTI.</item>
/// </list>
/// Each call takes distinct usage keys of one bucket, drawn uniformly from the subscriptions (as issue 15's
/// ingest-uniform part draws them). Reported per increment: the server's CPU (INFO cpu), this process's CPU and
/// what it allocated. Run: <c>dotnet run -c Release --project bench -- increment-designs [keys per call] [calls]
/// [subscriptions]</c>; it writes into Redis database 9 and flushes it afterwards.
/// </summary>
internal static class IncrementDesigns
{
    private const int BucketCount = 64;
    private const int InFlight = 32;
    private const int ReferenceOps = 2_000_000;
    private const int Rounds = 3;

    // The dedup check both designs make once per call; the increments follow it (script) or come after it in the
    // same transaction (guard).
    private const string ScriptSource = """
        local last = redis.call('GET', KEYS[1])
        if last and tonumber(last) >= tonumber(ARGV[1]) then return 1 end
        redis.call('SET', KEYS[1], ARGV[1])
        for k = 2, #KEYS do redis.call('INCRBY', KEYS[k], ARGV[k]) end
        return 0
        """;

    private const string GuardSource = """
        local last = redis.call('GET', KEYS[1])
        if last and tonumber(last) >= tonumber(ARGV[1]) then return 1 end
        redis.call('SET', KEYS[1], ARGV[1])
        return 0
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        int keysPerCall = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 80;
        int calls = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 12_500;
        int subscriptions = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 20_000;
        await using ConnectionMultiplexer connection = await BenchRedis.ConnectAsync();
        IDatabase redis = connection.GetDatabase(BenchRedis.Database);
        IServer server = BenchRedis.Server(connection);
        await server.FlushDatabaseAsync(BenchRedis.Database);
        byte[] scriptSha = (byte[])(await server.ScriptLoadAsync(ScriptSource));
        byte[] guardSha = (byte[])(await server.ScriptLoadAsync(GuardSource));

        // The usage keys as Ingest names them, grouped by bucket; a call's keys all come from one bucket.
        var byBucket = new List<RedisKey>[BucketCount];
        for (int b = 0; b < BucketCount; b++) byBucket[b] = [];
        long periodStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int i = 0; i < subscriptions; i++)
        {
            Guid sid = Guid.NewGuid();
            int bucket = Buckets.Of(sid, BucketCount);
            byBucket[bucket].Add(Encoding.UTF8.GetBytes(RedisKeys.UsageInBucket(bucket, sid, periodStart)));
        }
        // A call draws its keys from one bucket without repeats, so the smallest bucket bounds a call.
        int smallest = int.MaxValue;
        foreach (List<RedisKey> names in byBucket) smallest = Math.Min(smallest, names.Count);
        if (keysPerCall > smallest)
        {
            Console.Error.WriteLine($"{keysPerCall} keys per call is more than the smallest bucket of {subscriptions} subscriptions holds ({smallest}).");
            return 2;
        }

        // Both paths once before the measured rounds, so the client's figures are not its JIT's.
        await RunCallsAsync(redis, byBucket, keysPerCall, calls / 4, transaction: false, scriptSha, guardSha, seed: -1);
        await RunCallsAsync(redis, byBucket, keysPerCall, calls / 4, transaction: true, scriptSha, guardSha, seed: -2);
        await server.FlushDatabaseAsync(BenchRedis.Database);
        var rows = new List<string>();
        for (int round = 0; round < Rounds; round++)
        {
            foreach (bool transaction in new[] { false, true })
            {
                double redisCpu = await BenchRedis.CpuSecondsAsync(connection);
                TimeSpan processCpu = Process.GetCurrentProcess().TotalProcessorTime;
                long allocated = GC.GetTotalAllocatedBytes(precise: true);
                await RunCallsAsync(redis, byBucket, keysPerCall, calls, transaction, scriptSha, guardSha, seed: round);
                double increments = (double)calls * keysPerCall;
                redisCpu = await BenchRedis.CpuSecondsAsync(connection) - redisCpu;
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {(transaction ? "transaction" : "script")} | {redisCpu * 1e6 / increments:F3} | " +
                    $"{(Process.GetCurrentProcess().TotalProcessorTime - processCpu).TotalMicroseconds / increments:F3} | " +
                    $"{(GC.GetTotalAllocatedBytes(precise: true) - allocated) / increments:F0} |"));
                await server.FlushDatabaseAsync(BenchRedis.Database);
            }
            double referenceCpu = await BenchRedis.CpuSecondsAsync(connection);
            double reference = BenchRedis.RedisBenchmark(
                "-c", "50", "-P", "128", "-n", ReferenceOps.ToString(CultureInfo.InvariantCulture), "-r", "20000", "hincrby", "vpnperf-bench:hincrby:__rand_int__", "up", "1");
            referenceCpu = await BenchRedis.CpuSecondsAsync(connection) - referenceCpu;
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| reference: redis-benchmark -P 128 HINCRBY ({reference:N0} ops/s) | {referenceCpu * 1e6 / ReferenceOps:F3} | | |"));
            await server.FlushDatabaseAsync(BenchRedis.Database);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{keysPerCall} distinct usage keys per call, {calls} calls per run, {InFlight} calls in flight, {subscriptions} subscriptions in {BucketCount} buckets"));
        Console.WriteLine("| design | Redis CPU µs per increment | client CPU µs per increment | client bytes per increment |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (string row in rows) Console.WriteLine(row);
        return 0;
    }

    private static async Task RunCallsAsync(
        IDatabase redis, List<RedisKey>[] byBucket, int keysPerCall, int calls, bool transaction, byte[] scriptSha, byte[] guardSha, int seed)
    {
        var random = new Random(seed);
        var pending = new Queue<Task>(InFlight);
        var seqKeys = new RedisKey[BucketCount];
        for (int b = 0; b < BucketCount; b++) seqKeys[b] = Encoding.UTF8.GetBytes(RedisKeys.SeqPrefix(b) + "bench");
        // The script's arrays, reused once their call is answered (Ingest rents them from a pool): call c takes the
        // arrays of call c - InFlight, which the window has awaited.
        var keyArrays = new RedisKey[InFlight][];
        var valueArrays = new RedisValue[InFlight][];
        for (int i = 0; i < InFlight; i++)
        {
            keyArrays[i] = new RedisKey[1 + keysPerCall];
            valueArrays[i] = new RedisValue[1 + keysPerCall];
        }
        // The guard's one argument, the size of the call's keys and deltas (which it would need to take the increments back).
        var undo = new byte[keysPerCall * 80];
        for (int c = 0; c < calls; c++)
        {
            int bucket = random.Next(BucketCount);
            List<RedisKey> names = byBucket[bucket];
            RedisKey seqKey = seqKeys[bucket];
            RedisValue seq = c + 1;
            Task call;
            if (transaction)
            {
                ITransaction multi = redis.CreateTransaction();
                _ = multi.ScriptEvaluateAsync(guardSha, [seqKey], [seq, undo]);
                for (int k = 0; k < keysPerCall; k++)
                {
                    _ = multi.StringIncrementAsync(DrawDistinct(names, k, random), random.Next(1, 1 << 20));
                }
                call = multi.ExecuteAsync();
            }
            else
            {
                RedisKey[] keys = keyArrays[c % InFlight];
                RedisValue[] values = valueArrays[c % InFlight];
                keys[0] = seqKey;
                values[0] = seq;
                for (int k = 0; k < keysPerCall; k++)
                {
                    keys[1 + k] = DrawDistinct(names, k, random);
                    values[1 + k] = random.Next(1, 1 << 20);
                }
                call = redis.ScriptEvaluateAsync(scriptSha, keys, values);
            }
            pending.Enqueue(call);
            if (pending.Count == InFlight) await pending.Dequeue();
        }
        while (pending.Count > 0) await pending.Dequeue();
    }

    /// <summary>The <paramref name="k"/>-th key of a partial shuffle of <paramref name="names"/>: a call's keys are distinct, as Ingest sums its reports per key.</summary>
    private static RedisKey DrawDistinct(List<RedisKey> names, int k, Random random)
    {
        int pick = random.Next(k, names.Count);
        (names[k], names[pick]) = (names[pick], names[k]);
        return names[k];
    }
}
