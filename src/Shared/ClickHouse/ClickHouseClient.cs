using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// A small client for ClickHouse's HTTP interface (ClickHouse.Client is not in the registry copy). One
/// <see cref="HttpClient"/> over one <see cref="SocketsHttpHandler"/> with pooled keep-alive connections; thread-safe;
/// create one per server and keep it. Every request is a POST carrying <c>database</c> and the configured settings
/// as query-string parameters and the credentials as <c>X-ClickHouse-User</c>/<c>X-ClickHouse-Key</c> headers
/// (supported by 18.16 and later).
/// <para>Failures: a non-2xx answer raises <see cref="ClickHouseServerException"/> (with ClickHouse's error code);
/// a refused, reset or timed-out request raises <see cref="ClickHouseUnavailableException"/> (inner
/// <see cref="HttpRequestException"/>, <see cref="IOException"/> or <see cref="TimeoutException"/>); cancelling the
/// caller's token raises <see cref="OperationCanceledException"/>. Error messages never carry row contents.</para>
/// </summary>
public sealed class ClickHouseClient : IDisposable
{
    /// <summary>Enough of an error body for its first line; the rest (row dumps, stack traces) is not read.</summary>
    private const int MaxErrorBodyBytes = 8 * 1024;

    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");
    private static readonly MediaTypeHeaderValue PlainText = new("text/plain") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly string _baseUrl;

    public ClickHouseClient(ClickHouseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ClickHouseIdentifiers.ThrowIfInvalid(options.Database, nameof(options));
        Options = options;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
            // Recycle now and then so a DNS change or a restarted server behind a balancer is picked up.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        // The timeout is applied per request with a linked token, so a timeout can be told from the caller's cancellation.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.ExpectContinue = false;
        _http.DefaultRequestHeaders.TryAddWithoutValidation("X-ClickHouse-User", options.User);
        if (options.Password.Length != 0) _http.DefaultRequestHeaders.TryAddWithoutValidation("X-ClickHouse-Key", options.Password);

        var url = new StringBuilder(options.Endpoint.GetLeftPart(UriPartial.Authority)).Append("/?database=").Append(Uri.EscapeDataString(options.Database));
        foreach (KeyValuePair<string, string> setting in options.Settings)
        {
            ClickHouseIdentifiers.ThrowIfInvalid(setting.Key, nameof(options));
            url.Append('&').Append(setting.Key).Append('=').Append(Uri.EscapeDataString(setting.Value));
        }
        _baseUrl = url.ToString();
    }

    public ClickHouseOptions Options { get; }

    /// <summary>Runs a statement that returns nothing of interest (DDL, <c>INSERT ... SELECT</c>, <c>OPTIMIZE</c>).</summary>
    public async Task ExecuteAsync(string sql, ClickHouseParameters? parameters, CancellationToken ct)
    {
        string bound = ClickHouseParameters.Bind(sql, parameters);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(bound));
        content.Headers.ContentType = PlainText;
        await SendAsync(_baseUrl, content, ResponseMode.Discard, isInsert: false, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a query and returns the whole response as text, in the format the SQL asks for with <c>FORMAT</c>
    /// (TabSeparated when it names none). Sent with <c>wait_end_of_query=1</c>: ClickHouse otherwise streams and may
    /// report an error after a 200 status, at the end of a partial result.
    /// </summary>
    public async Task<string> QueryTextAsync(string sql, ClickHouseParameters? parameters, CancellationToken ct)
    {
        byte[] body = await QueryBytesAsync(sql, parameters, ct).ConfigureAwait(false);
        return Encoding.UTF8.GetString(body);
    }

    /// <summary>
    /// Runs a query in TabSeparated format and returns its rows, each field unescaped and decoded as UTF-8
    /// (<c>\N</c>, a NULL, is returned as the two characters <c>\N</c>). The SQL must not name a FORMAT.
    /// For small results (the cold path); the whole response is buffered.
    /// </summary>
    public async Task<List<string[]>> QueryRowsAsync(string sql, ClickHouseParameters? parameters, CancellationToken ct)
    {
        byte[] body = await QueryBytesAsync(sql, parameters, ct).ConfigureAwait(false);
        return TabSeparated.ParseRows(body);
    }

    /// <summary>
    /// Posts RowBinary rows: <c>INSERT INTO table (columnList) FORMAT RowBinary</c> with <paramref name="rows"/> as the
    /// body, sent segment by segment without a copy. Table and column names must be plain identifiers. An insert of up
    /// to <c>max_insert_block_size</c> rows (1,048,576 by default) lands as one block, together with the rows its
    /// materialized views derive; a failed or timed-out insert may have landed or not (see the (node, seq) ledgers).
    /// </summary>
    public async Task InsertRowBinaryAsync(string table, string columnList, ReadOnlySequence<byte> rows, CancellationToken ct)
    {
        using var content = new ReadOnlySequenceContent(rows, OctetStream);
        await InsertAsync(table, columnList, "RowBinary", content, ct).ConfigureAwait(false);
    }

    /// <inheritdoc cref="InsertRowBinaryAsync(string, string, ReadOnlySequence{byte}, CancellationToken)"/>
    public Task InsertRowBinaryAsync(string table, string columnList, ReadOnlyMemory<byte> rows, CancellationToken ct) =>
        InsertRowBinaryAsync(table, columnList, new ReadOnlySequence<byte>(rows), ct);

    /// <summary>
    /// Inserts the fixed-size rows of <paramref name="rows"/> (RowBinary, <paramref name="columns"/> in order) that start
    /// at <paramref name="rowOffsets"/>, in that order, in the Native format (blocks the server joins into one), which it
    /// reads column by column rather than value by value (about a third less of its CPU per row for the insert). Otherwise as
    /// <see cref="InsertRowBinaryAsync(string, string, ReadOnlySequence{byte}, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">A column's type is not of a fixed size (<see cref="ClickHouseColumn.FixedBytes"/>).</exception>
    public async Task InsertNativeAsync(string table, IReadOnlyList<ClickHouseColumn> columns, ReadOnlyMemory<byte> rows, ReadOnlyMemory<int> rowOffsets, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(columns);
        using var content = new NativeBlockContent(columns, rows, rowOffsets, OctetStream);
        await InsertAsync(table, ClickHouseColumn.JoinNames(columns), "Native", content, ct).ConfigureAwait(false);
    }

    private async Task InsertAsync(string table, string columnList, string format, HttpContent rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(columnList);
        if (!ClickHouseIdentifiers.IsValidTable(table)) ThrowHelper.ThrowArgument($"'{ClickHouseIdentifiers.Shorten(table)}' is not a plain table name.", nameof(table));
        if (!ClickHouseIdentifiers.IsValidColumnList(columnList)) ThrowHelper.ThrowArgument("The column list must be plain identifiers separated by commas.", nameof(columnList));

        string url = string.Concat(_baseUrl, "&query=", Uri.EscapeDataString($"INSERT INTO {table} ({columnList}) FORMAT {format}"));
        await SendAsync(url, rows, ResponseMode.Discard, isInsert: true, ct).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private async Task<byte[]> QueryBytesAsync(string sql, ClickHouseParameters? parameters, CancellationToken ct)
    {
        string bound = ClickHouseParameters.Bind(sql, parameters);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(bound));
        content.Headers.ContentType = PlainText;
        string url = _baseUrl + "&wait_end_of_query=1&default_format=TabSeparated";
        return (await SendAsync(url, content, ResponseMode.Read, isInsert: false, ct).ConfigureAwait(false))!;
    }

    private async Task<byte[]?> SendAsync(string url, HttpContent content, ResponseMode mode, bool isInsert, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Options.RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw await ReadServerErrorAsync(response, isInsert, timeout.Token).ConfigureAwait(false);
            if (mode == ResponseMode.Read)
                return await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            // Drain the (normally empty) body so the connection goes back to the pool.
            await response.Content.CopyToAsync(Stream.Null, timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new ClickHouseUnavailableException(
                $"ClickHouse at {Options.Endpoint} did not answer within {Options.RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (RequestTimeout).",
                new TimeoutException("The ClickHouse request timed out.", ex));
        }
        catch (HttpRequestException ex)
        {
            throw new ClickHouseUnavailableException($"ClickHouse at {Options.Endpoint} is unreachable: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new ClickHouseUnavailableException($"The connection to ClickHouse at {Options.Endpoint} failed mid-request: {ex.Message}", ex);
        }
    }

    private static async Task<ClickHouseServerException> ReadServerErrorAsync(HttpResponseMessage response, bool isInsert, CancellationToken ct)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxErrorBodyBytes);
        try
        {
            Stream stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                int total = 0, read;
                while (total < MaxErrorBodyBytes && (read = await stream.ReadAsync(buffer.AsMemory(total, MaxErrorBodyBytes - total), ct).ConfigureAwait(false)) > 0)
                    total += read;
                string body = Encoding.UTF8.GetString(buffer, 0, total);
                int code = ClickHouseErrorText.ParseCode(body);
                if (response.Headers.TryGetValues("X-ClickHouse-Exception-Code", out IEnumerable<string>? values))
                {
                    foreach (string value in values)
                    {
                        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int headerCode)) code = headerCode;
                    }
                }
                return new ClickHouseServerException(code, response.StatusCode, ClickHouseErrorText.Sanitize(body, isInsert));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private enum ResponseMode
    {
        Discard = 0,
        Read = 1,
    }
}
