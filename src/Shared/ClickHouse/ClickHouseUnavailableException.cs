namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// ClickHouse could not be reached or did not answer in time: connection refused or reset, DNS, TLS, or
/// <see cref="ClickHouseOptions.RequestTimeout"/> expired. The inner exception is the
/// <see cref="HttpRequestException"/> or <see cref="TimeoutException"/>. For an insert the outcome is unknown:
/// the rows may or may not have landed, which is what the (node, seq) ledgers answer before a replay.
/// Cancellation through the caller's token is not this: it surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class ClickHouseUnavailableException : Exception
{
    public ClickHouseUnavailableException()
    {
    }

    public ClickHouseUnavailableException(string message) : base(message)
    {
    }

    public ClickHouseUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
