namespace Vpn.Perf.Ingest.Http;

/// <summary>
/// Why a stage of <see cref="ReportEndpoint"/> refused a request: the status, the <c>X-Reject-Reason</c> a node can act on,
/// and a plain-text message for the operator. A 429 or 503 also tells the node when to retry the same batch.
/// </summary>
internal readonly record struct Refusal(int Status, string Reason, string Message)
{
    /// <summary>A 503: the batch is fine, a stage behind it is not; the node retries the same batch later.</summary>
    public static Refusal Overloaded(string reason, string message) => new(StatusCodes.Status503ServiceUnavailable, reason, message);
}
