namespace Vpn.Perf.Api.Hosting;

/// <summary>Kestrel limits of the Api (section <c>Http</c>, env <c>Http__Name</c>).</summary>
internal sealed class HttpLimitsOptions
{
    public const string Section = "Http";

    /// <summary>
    /// Time a client has to send the request line and headers; Kestrel's default of 30 s lets a slow client hold a
    /// connection three times as long for nothing.
    /// </summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Largest request body. The largest real request is a config template upload (at most 64 KiB of JSON, the
    /// template's own limit); bulk operations, plans, inbounds and payment webhooks are a few KiB. 1 MiB leaves a
    /// wide margin where Kestrel's default allows 30 MB. A larger body is answered 413 <c>payload-too-large</c>.
    /// </summary>
    public long MaxRequestBodyBytes { get; set; } = 1 << 20;

    public static HttpLimitsOptions FromConfiguration(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<HttpLimitsOptions>() ?? new HttpLimitsOptions();
        if (options.RequestHeadersTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Http:RequestHeadersTimeout is {options.RequestHeadersTimeout}; it must be positive (default 00:00:10).");
        }
        if (options.MaxRequestBodyBytes < 1024)
        {
            throw new InvalidOperationException($"Http:MaxRequestBodyBytes is {options.MaxRequestBodyBytes}; it must be at least 1024 (default 1048576).");
        }
        return options;
    }
}
