using System.Text.Json;

namespace Vpn.Perf.Api.Features.Audit;

/// <summary>One audit log entry: who (<c>actorId</c>, null for the system) did what (<c>action</c>) to what (<c>target</c>, <c>kind:id</c>).</summary>
internal sealed record AuditEntry(long Id, DateTimeOffset At, Guid? ActorId, string Action, string Target, JsonElement Meta);
