using System.Globalization;

namespace Vpn.Perf.Load.Scenarios.Api;

/// <summary>Which Api scenario runs.</summary>
internal enum ApiScenarioKind
{
    /// <summary><c>GET /s/{token}</c>, apps refreshing their config.</summary>
    Config = 0,

    /// <summary><c>POST /api/v1/auth/login</c>, bcrypt-bound.</summary>
    Login = 1,
}

/// <summary>The command line of <c>load -- config</c> and <c>load -- login</c>.</summary>
internal sealed class ApiLoadSettings
{
    /// <summary>What a started Api is given for the login limits: far above anything two cores can verify in a minute.</summary>
    public const int RaisedPermitsPerMinute = 1_000_000;

    public ApiScenarioKind Kind { get; private set; }
    public Uri Target { get; private set; } = new("http://127.0.0.1:5380");
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(30);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(5);

    /// <summary>Open model: requests per second; null = closed model.</summary>
    public double? Rate { get; private set; }

    /// <summary>Closed model: requests in flight; at most <see cref="Clients"/>.</summary>
    public int Concurrency { get; private set; }

    /// <summary>Simulated clients (lanes), each with at most one request in flight.</summary>
    public int Clients { get; private set; }

    public bool Reference { get; private set; }

    /// <summary>
    /// Config: after the bare reference, the same load against it once more, reading one Redis key per request (as the
    /// Api reads live usage): the ceiling of any server that must make that read, on this machine and Redis.
    /// </summary>
    public bool ReferenceRedisRead { get; private set; }

    public int ReferencePort { get; private set; } = 5390;
    public bool StartApi { get; private set; }
    public string? ApiDll { get; private set; }

    /// <summary>With <see cref="StartApi"/>: the tool's own database, dropped, recreated and migrated each run.</summary>
    public string Database { get; private set; } = "vpnperf_load";

    /// <summary>Without <see cref="StartApi"/>: the database of the Api at <see cref="Target"/>, which gets fresh rows.</summary>
    public string? PostgresConnection { get; private set; }

    public int Subscriptions { get; private set; } = 2_000;
    public int Inbounds { get; private set; } = 6;

    /// <summary>Share of config fetches that send the ETag of the previous answer (If-None-Match), expecting 304.</summary>
    public double IfNoneMatch { get; private set; }

    /// <summary>Config: the client format fetched, named in the path (<c>/s/{token}/{format}</c>).</summary>
    public string Format { get; private set; } = "singbox";

    /// <summary>Config: the WireGuard format gets a node of its own kind (one WireGuard inbound), every other format the <see cref="Inbounds"/>.</summary>
    public bool WireGuard => Format == "wireguard";

    /// <summary>Config: the inbounds each subscription is linked to.</summary>
    public int LinkedInbounds => WireGuard ? 1 : Inbounds;

    /// <summary>Config: the proxies each config of <see cref="Format"/> holds, from the seeded inbounds it can express.</summary>
    public int ExpectedProxies => WireGuard ? 1 : ConfigBodyCheck.ProxiesIn(Format, ApiSeeder.InboundRows.Take(Inbounds).Select(static r => r.Protocol));

    /// <summary>The run's WireGuard key encryption key: the seeder encrypts the peers' keys under it, a started Api decrypts them.</summary>
    public string WireGuardKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Config: every fetch sends the device headers, one registered device (x-hwid) per subscription.</summary>
    public bool Hwid { get; private set; }

    public int Users { get; private set; } = 16;
    public int BcryptCost { get; private set; } = 12;

    /// <summary>The Api's Auth:LoginPermitsPerMinute (per client IP); only used when the tool did not start the Api.</summary>
    public int IpPermitsPerMinute { get; private set; } = 30;

    /// <summary>The Api's Auth:LoginAccountPermitsPerMinute; only used when the tool did not start the Api.</summary>
    public int AccountPermitsPerMinute { get; private set; } = 10;

    /// <summary>Passes Logging:LogLevel:Microsoft.AspNetCore=Warning to a started Api (as Ingest and the reference filter themselves).</summary>
    public bool QuietRequestLog { get; private set; } = true;

    public TimeSpan RequestTimeout { get; private set; } = TimeSpan.FromSeconds(30);
    public string OutDirectory { get; private set; } = "";
    public int Seed { get; private set; } = Environment.TickCount;

    public string PostgresServer { get; } =
        Environment.GetEnvironmentVariable("LOAD_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres";

    public string RedisConnection { get; } = Environment.GetEnvironmentVariable("ConnectionStrings__Redis") ?? "redis://127.0.0.1:56379";

    public string ClickHouseConnection { get; } =
        Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouse") ?? "http://default@127.0.0.1:58123/vpnperf";

    public bool OpenModel => Rate is not null;

    /// <summary>The login limits are raised for the run (the tool starts the Api with them) or must be respected by pacing.</summary>
    public bool LimitsRaised => StartApi;

    /// <summary>The connection string of the database that is seeded and that the Api reads.</summary>
    public string SeedConnection => StartApi ? $"{PostgresServer};Database={Database}" : PostgresConnection!;

    public static string Usage => """
        load -- config|login [options]
          --target URL              Api base address (http://127.0.0.1:5380); loopback only
          --start-api               drop and recreate database --database, migrate it with the Api's own `migrate`,
                                    seed it, start the Release Api on --target's port, stop it at the end
          --database NAME           the tool's own database for --start-api (vpnperf_load)
          --postgres CONN           without --start-api: the database of the Api at --target (fresh rows are added)
          --api-dll PATH            Api dll for --start-api (artifacts/bin/Vpn.Perf.Api/release/Vpn.Perf.Api.dll)
          --duration T              measured time after warm-up (30s)
          --warmup T                excluded from results (5s)
          --rate N                  open model: requests/s, constant arrival, latency from intended start
          --concurrency N           closed model: requests in flight (config 32, login 2)
          --clients N               simulated clients, one request in flight each (config 64, login = users)
          --reference               config: the same load first against the bare Kestrel reference server, which
                                    answers a body of the typical config's size (and 304 to a matching ETag)
          --reference-port P        its port (5390)
          --reference-redis-read    config: then the same load against the reference once more, which now reads one
                                    Redis key (StackExchange.Redis GET) per request before answering: the ceiling of
                                    any server that reads live usage per fetch
          --verbose-api             do not pass the Warning log filter (matters only for Api builds before 271416c)
          --timeout T               per request (30s)
          --seed N                  random seed (which fetches send If-None-Match)
          --out DIR                 results.md, results.json and logs (load/reports/<time>-<scenario>)
        config:
          --subscriptions N         seeded subscriptions, fetched round robin (2000)
          --inbounds K              inbounds on the one seeded node linked to each subscription, 1..6 (6)
          --if-none-match F         share of fetches sending the ETag they got before, expecting 304 (0)
          --format F                the client format fetched, /s/{token}/F: singbox, mihomo, xray, links, links-plain,
                                    wireguard (a WireGuard inbound instead of --inbounds, one peer per subscription)
                                    (singbox); each primed body is parsed as that format and its proxies counted
          --hwid                    every fetch sends x-hwid and the device headers: one device per subscription,
                                    registered by the priming fetch (the window measures known-device checks)
        login:
          --users N                 seeded users, signed in round robin (16)
          --bcrypt-cost C           cost of the seeded hashes; passed to a started Api as Auth__BcryptCost (12)
          --ip-permits P            without --start-api: the Api's Auth:LoginPermitsPerMinute (30); the load is paced under it
          --account-permits A       without --start-api: the Api's Auth:LoginAccountPermitsPerMinute (10)
        """;

    public static ApiLoadSettings Parse(ApiScenarioKind kind, string[] args)
    {
        var s = new ApiLoadSettings { Kind = kind };
        bool concurrencyGiven = false, clientsGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value.");
            switch (a)
            {
                case "--target": s.Target = new Uri(Next()); break;
                case "--start-api": s.StartApi = true; break;
                case "--database": s.Database = Next(); break;
                case "--postgres": s.PostgresConnection = Next(); break;
                case "--api-dll": s.ApiDll = Next(); break;
                case "--duration": s.Duration = IngestSettings.ParseDuration(a, Next()); break;
                case "--warmup": s.Warmup = IngestSettings.ParseDuration(a, Next()); break;
                case "--rate": s.Rate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--concurrency": s.Concurrency = PositiveInt(a, Next()); concurrencyGiven = true; break;
                case "--clients": s.Clients = PositiveInt(a, Next()); clientsGiven = true; break;
                case "--reference": s.Reference = true; break;
                case "--reference-redis-read" when kind == ApiScenarioKind.Config: s.ReferenceRedisRead = true; break;
                case "--reference-port": s.ReferencePort = PositiveInt(a, Next()); break;
                case "--verbose-api": s.QuietRequestLog = false; break;
                case "--timeout": s.RequestTimeout = IngestSettings.ParseDuration(a, Next()); break;
                case "--seed": s.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": s.OutDirectory = Next(); break;
                case "--subscriptions" when kind == ApiScenarioKind.Config: s.Subscriptions = PositiveInt(a, Next()); break;
                case "--inbounds" when kind == ApiScenarioKind.Config: s.Inbounds = PositiveInt(a, Next()); break;
                case "--if-none-match" when kind == ApiScenarioKind.Config: s.IfNoneMatch = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--format" when kind == ApiScenarioKind.Config: s.Format = Next(); break;
                case "--hwid" when kind == ApiScenarioKind.Config: s.Hwid = true; break;
                case "--users" when kind == ApiScenarioKind.Login: s.Users = PositiveInt(a, Next()); break;
                case "--bcrypt-cost" when kind == ApiScenarioKind.Login: s.BcryptCost = PositiveInt(a, Next()); break;
                case "--ip-permits" when kind == ApiScenarioKind.Login: s.IpPermitsPerMinute = PositiveInt(a, Next()); break;
                case "--account-permits" when kind == ApiScenarioKind.Login: s.AccountPermitsPerMinute = PositiveInt(a, Next()); break;
                default: throw new ArgumentException($"Unknown option {a} for {kind.ToString().ToLowerInvariant()}.\n{Usage}");
            }
        }
        if (!s.Target.IsLoopback) throw new ArgumentException("--target must be a loopback address: this tool only sends to 127.0.0.1.");
        if (!s.StartApi && s.PostgresConnection is null)
        {
            throw new ArgumentException("Give --start-api, or --postgres with the connection string of the running Api's database (the tool seeds its rows there).");
        }
        if (s.Rate is <= 0) throw new ArgumentException("--rate must be positive.");
        if (s.Rate is not null && concurrencyGiven) throw new ArgumentException("Give --rate (open model) or --concurrency (closed model), not both.");
        if (s.Duration <= TimeSpan.Zero || s.Duration > TimeSpan.FromHours(1)) throw new ArgumentException("--duration must be between 1s and 1h.");
        if (s.Warmup < TimeSpan.Zero || s.Warmup > TimeSpan.FromMinutes(10)) throw new ArgumentException("--warmup must be between 0 and 10m.");
        if (s.Inbounds > ApiSeeder.InboundRows.Length) throw new ArgumentException($"--inbounds is at most {ApiSeeder.InboundRows.Length}.");
        if (Array.IndexOf(ConfigBodyCheck.Formats, s.Format) < 0) throw new ArgumentException($"--format is one of {string.Join(", ", ConfigBodyCheck.Formats)}.");
        if (s.IfNoneMatch is < 0 or > 1) throw new ArgumentException("--if-none-match is a share between 0 and 1.");
        if (s.BcryptCost is < Vpn.Perf.Api.Auth.Passwords.MinCost or > Vpn.Perf.Api.Auth.Passwords.MaxCost)
        {
            throw new ArgumentException($"--bcrypt-cost must be {Vpn.Perf.Api.Auth.Passwords.MinCost}..{Vpn.Perf.Api.Auth.Passwords.MaxCost}.");
        }
        if (s.ReferenceRedisRead && !s.Reference) throw new ArgumentException("--reference-redis-read needs --reference (it runs after the bare reference).");
        if (kind == ApiScenarioKind.Login && s.Reference) throw new ArgumentException("--reference is for config: a bare endpoint has no bcrypt to compare with.");

        if (!clientsGiven) s.Clients = kind == ApiScenarioKind.Login ? s.Users : 64;
        if (!concurrencyGiven) s.Concurrency = kind == ApiScenarioKind.Login ? 2 : 32;
        s.Concurrency = Math.Min(s.Concurrency, s.Clients);
        if (kind == ApiScenarioKind.Login && !s.LimitsRaised && s.Rate is { } rate && rate > s.MaxLoginRate)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--rate {rate} is above what the Api's login limits allow ({s.MaxLoginRate:0.###}/s with {s.Users} users, {s.IpPermitsPerMinute}/min per IP, " +
                $"{s.AccountPermitsPerMinute}/min per account); use --start-api (limits raised for the run) or a lower rate."));
        }
        if (s.OutDirectory.Length == 0)
        {
            s.OutDirectory = Path.Combine("load", "reports",
                DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + kind.ToString().ToLowerInvariant());
        }
        return s;
    }

    /// <summary>
    /// Logins per second the Api's limits allow from this one client IP, with 2 % to spare (the server's fixed windows
    /// start when it first saw us, not when we started): the per-IP permits, and the per-account permits times the
    /// users signed in round robin.
    /// </summary>
    public double MaxLoginRate => 0.98 * Math.Min(IpPermitsPerMinute, (double)Users * AccountPermitsPerMinute) / 60.0;

    private static int PositiveInt(string name, string value)
    {
        int n = int.Parse(value, CultureInfo.InvariantCulture);
        return n > 0 ? n : throw new ArgumentException($"{name} must be positive.");
    }
}
