using System.Globalization;

namespace Vpn.Perf.Load.Engine;

/// <summary>
/// A scrape of a Prometheus text endpoint (Ingest's and the reference server's <c>/metrics</c>): series name with
/// labels → value. Only the figures a load report needs are read out.
/// </summary>
internal sealed class ServerMetrics
{
    private readonly Dictionary<string, double> _values;

    private ServerMetrics(Dictionary<string, double> values) => _values = values;

    public static ServerMetrics Empty { get; } = new([]);

    public bool IsEmpty => _values.Count == 0;

    public static async Task<ServerMetrics> ScrapeAsync(HttpClient http, Uri metricsUrl, CancellationToken ct)
    {
        try
        {
            string text = await http.GetStringAsync(metricsUrl, ct);
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (string line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#') continue;
                int space = line.LastIndexOf(' ');
                if (space > 0 && double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                {
                    values[line[..space]] = v;
                }
            }
            return new ServerMetrics(values);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return Empty;
        }
    }

    public double Get(string series) => _values.GetValueOrDefault(series);

    /// <summary>The sum over every label set of <paramref name="name"/> (e.g. requests of all statuses).</summary>
    public double Sum(string name)
    {
        double sum = 0;
        foreach ((string series, double v) in _values)
        {
            if (series == name || (series.StartsWith(name, StringComparison.Ordinal) && series.Length > name.Length && series[name.Length] == '{'))
            {
                sum += v;
            }
        }
        return sum;
    }

    public double RequestsTotal => Sum("vpnperf_ingest_requests_total");

    public double Requests200 => Get("vpnperf_ingest_requests_total{status=\"200\"}");

    public double Reports => Get("vpnperf_ingest_reports_total");

    public double SpoolBacklogBytes => Get("vpnperf_ingest_spool_backlog_bytes");

    public double ClickHouseRows => Get("vpnperf_ingest_clickhouse_rows_total");

    public double WorkingSetBytes => Get("process_working_set_bytes");
}
