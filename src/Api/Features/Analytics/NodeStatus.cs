namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// A node's state: its last report and whether that is within the active window (Redis), and what it reported over the
/// window of whole minutes (ClickHouse): reports, bytes, their rates per second, and the distinct subscriptions.
/// </summary>
internal sealed record NodeStatus(
    Guid Id,
    string Name,
    DateTimeOffset? LastReport,
    bool Online,
    long Reports,
    double ReportsPerSecond,
    long BytesUp,
    long BytesDown,
    double BytesUpPerSecond,
    double BytesDownPerSecond,
    long ActiveSubscriptions);
