using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Features.Audit;

namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>
/// Turns Ingest's hourly rejection notices (<c>nodes:rejections</c>: a node had reports out of its scope or bounds)
/// into audit entries, action <c>node.reports_rejected</c>, target <c>node:&lt;id&gt;</c>, actor null (the system),
/// meta <c>hour</c> (unix ms), <c>rejected</c>, <c>source</c>. At most one per node and hour: Ingest claims the hour
/// before it adds a notice, and a notice delivered again (after a crash before XACK) finds its entry and adds none.
/// </summary>
internal sealed class RejectionAuditWriter(NpgsqlDataSource db)
{
    public const string Action = "node.reports_rejected";

    private const string InsertOnce = """
        insert into audit_log (actor_id, action, target, meta)
        select null, $1, $2, $3::jsonb
        where not exists (select 1 from audit_log where action = $1 and target = $2 and meta->>'hour' = $4)
        """;

    /// <summary>Writes the entry unless the node's hour already has one; false for a notice without a valid node or hour.</summary>
    public async Task<bool> WriteAsync(string? node, string? hour, string? rejected, CancellationToken ct)
    {
        if (!Guid.TryParseExact(node, "N", out Guid nodeId)
            || !long.TryParse(hour, NumberStyles.None, CultureInfo.InvariantCulture, out long hourMs))
        {
            return false;
        }
        long count = long.TryParse(rejected, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : 0;
        string hourText = hourMs.ToString(CultureInfo.InvariantCulture);
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("source", "ingest");
            // A string, so the once-per-hour check compares text with text (meta->>'hour').
            json.WriteString("hour", hourText);
            json.WriteString("hourStart", DateTimeOffset.FromUnixTimeMilliseconds(hourMs));
            json.WriteNumber("rejected", count);
            json.WriteEndObject();
        }
        string meta = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        await StateSyncStore.AddRejectionOnceAsync(db, Action, AuditStore.Target("node", nodeId), meta, hourText, ct);
        return true;
    }
}
