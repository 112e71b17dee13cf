namespace Vpn.Perf.Api.Features.Audit;

/// <summary>
/// A page of the audit log, newest first. The log is keyed by a bigint identity rather than a UUIDv7, so its cursor
/// is that id: pass <see cref="Next"/> back as <c>?after=</c>; null on the last page.
/// </summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntry> Items, long? Next);
