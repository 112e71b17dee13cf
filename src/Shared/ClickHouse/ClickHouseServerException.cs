using System.Net;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// ClickHouse answered with a non-2xx status: the statement was rejected (syntax, unknown table, type mismatch,
/// malformed insert data ...). <see cref="ErrorCode"/> is ClickHouse's numeric error code (e.g. 60 = unknown
/// table, 62 = syntax error), taken from the <c>X-ClickHouse-Exception-Code</c> header when the server sends it
/// (newer versions) or else parsed from <c>Code: N</c> at the start of the body (18.16). The message is the
/// first line of the server's text, with non-printable characters replaced and capped at
/// <see cref="MaxServerMessageLength"/> characters; detail lines (which may quote rows) are never included.
/// </summary>
public sealed class ClickHouseServerException : Exception
{
    public const int MaxServerMessageLength = 300;

    public ClickHouseServerException(int errorCode, HttpStatusCode statusCode, string serverMessage)
        : base($"ClickHouse rejected the request: error {errorCode} (HTTP {(int)statusCode}): {serverMessage}")
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
        ServerMessage = serverMessage;
    }

    public ClickHouseServerException() : this(0, HttpStatusCode.InternalServerError, "")
    {
    }

    public ClickHouseServerException(string message) : base(message)
    {
        ServerMessage = message;
    }

    public ClickHouseServerException(string message, Exception innerException) : base(message, innerException)
    {
        ServerMessage = message;
    }

    /// <summary>ClickHouse's error code; 0 when the server sent none.</summary>
    public int ErrorCode { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The sanitised first line of the server's error text.</summary>
    public string ServerMessage { get; }

    /// <summary>
    /// True when the server asked could not reach another server the query needs (a shard behind a Distributed table):
    /// 209 SOCKET_TIMEOUT, 210 NETWORK_ERROR, 279 ALL_CONNECTION_TRIES_FAILED. The store is unavailable for now; the
    /// request itself is fine.
    /// </summary>
    public bool IsRemoteUnreachable => ErrorCode is 209 or 210 or 279;
}
