using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Features.Mail;

/// <summary>
/// The statements of <c>mail_outbox</c> (migration 0013). Times come from the Api's <see cref="TimeProvider"/>, never
/// from Postgres's <c>now()</c>, so queueing, claims and backoff all follow one clock (a test's own). A claim is
/// identified by its lease (<c>claimed_until</c>): a sender records the outcome of its own claim only, so a sender
/// whose lease ran out and was taken over cannot overwrite the newer claim's retry or failure.
/// </summary>
internal static class MailStore
{
    public const string Channel = "mail_outbox";

    private const string InsertSql = """
        insert into mail_outbox (id, kind, recipient, subject, text_body, html_body, message_id, created_at, next_attempt_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $8)
        """;

    /// <summary>
    /// Claims up to $3 due messages ($1 = now) that no live lease holds and that have attempts left (fewer than $4),
    /// oldest due first, for a lease until $2, and counts the claim as an attempt. SKIP LOCKED: several Api instances share the table, and rows another sender is
    /// claiming right now are not waited for. The claim commits at once (its own statement): the lease, not a held
    /// transaction, keeps other senders off while this one talks to the SMTP server.
    /// </summary>
    private const string ClaimSql = """
        update mail_outbox m set attempts = m.attempts + 1, claimed_until = $2
        from (select id from mail_outbox
              where sent_at is null and failed_at is null and next_attempt_at <= $1 and (claimed_until is null or claimed_until <= $1)
                and attempts < $4
              order by next_attempt_at
              limit $3
              for update skip locked) due
        where m.id = due.id
        returning m.id, m.kind, m.recipient, m.subject, m.text_body, m.html_body, m.message_id, m.created_at, m.attempts
        """;

    /// <summary>
    /// Gives up on due messages ($1 = now) with no attempt left ($2 = the most allowed) whose last claim's lease ran out:
    /// their sender died (maybe after the server took the message), and every attempt is used. (A message that ran out of
    /// attempts otherwise is marked failed by its sender; this also covers a lowered <c>Mail:MaxAttempts</c>.)
    /// </summary>
    private const string ExpireExhaustedSql = """
        update mail_outbox set failed_at = $1, claimed_until = null, text_body = null, html_body = null,
               last_error = coalesce(last_error || '; ', '') || 'the sender of the last attempt stopped before recording its outcome'
        where sent_at is null and failed_at is null and attempts >= $2 and next_attempt_at <= $1 and (claimed_until is null or claimed_until <= $1)
        """;

    /// <summary>
    /// Sent, whichever claim this was: the server took it. The bodies go: they may hold a single-use link, and a sent
    /// message is never sent again.
    /// </summary>
    private const string MarkSentSql = """
        update mail_outbox set sent_at = coalesce(sent_at, $2), claimed_until = null, last_error = null, text_body = null, html_body = null
        where id = $1
        """;

    private const string MarkRetrySql = """
        update mail_outbox set next_attempt_at = $3, claimed_until = null, last_error = $4
        where id = $1 and claimed_until = $2 and sent_at is null
        """;

    private const string MarkFailedSql = """
        update mail_outbox set failed_at = $3, claimed_until = null, last_error = $4, text_body = null, html_body = null
        where id = $1 and claimed_until = $2 and sent_at is null
        """;

    /// <summary>
    /// Hands back messages of a claim that were not tried (a stopping sender): due again at once, and the claim's
    /// attempt is not counted.
    /// </summary>
    private const string ReleaseSql = """
        update mail_outbox set claimed_until = null, attempts = attempts - 1
        where id = any($1) and claimed_until = $2 and sent_at is null
        """;

    /// <summary>Queues a message in the caller's transaction; the insert's trigger notifies the senders at commit.</summary>
    public static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, OutgoingMail mail, string messageId,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mail.Kind });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mail.To });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mail.Subject });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mail.TextBody });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mail.HtmlBody });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = messageId });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = now.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task<List<ClaimedMail>> ClaimAsync(NpgsqlDataSource db, DateTimeOffset now, DateTimeOffset leaseUntil, int batchSize,
        int maxAttempts, CancellationToken ct)
    {
        // Postgres keeps microseconds: the lease is rounded down to what it stores, since it identifies the claim later.
        leaseUntil = new DateTimeOffset(leaseUntil.UtcTicks - leaseUntil.UtcTicks % 10, TimeSpan.Zero);
        await using NpgsqlCommand cmd = db.CreateCommand(ClaimSql);
        cmd.Parameters.Add(Time(now));
        cmd.Parameters.Add(Time(leaseUntil));
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxAttempts });
        var claimed = new List<ClaimedMail>(batchSize);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            claimed.Add(new ClaimedMail(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                r.GetFieldValue<DateTimeOffset>(7), r.GetInt32(8), leaseUntil));
        }
        // Oldest first, so one connection sends them in the order they were queued.
        claimed.Sort(static (a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        return claimed;
    }

    /// <summary>Marks failed the messages whose last allowed claim expired; returns how many.</summary>
    public static async Task<int> ExpireExhaustedAsync(NpgsqlDataSource db, DateTimeOffset now, int maxAttempts, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(ExpireExhaustedSql);
        cmd.Parameters.Add(Time(now));
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxAttempts });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task MarkSentAsync(NpgsqlDataSource db, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(MarkSentSql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(Time(now));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Hands back untried messages of one claim (they share its lease).</summary>
    public static async Task ReleaseAsync(NpgsqlDataSource db, List<ClaimedMail> untried, CancellationToken ct)
    {
        if (untried.Count == 0) return;
        await using NpgsqlCommand cmd = db.CreateCommand(ReleaseSql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, TypedValue = [.. untried.Select(m => m.Id)] });
        cmd.Parameters.Add(Time(untried[0].ClaimedUntil));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Puts this claim's message back until <paramref name="nextAttemptAt"/>; false when the claim was no longer ours.</summary>
    public static Task<bool> MarkRetryAsync(NpgsqlDataSource db, ClaimedMail mail, DateTimeOffset nextAttemptAt, string error, CancellationToken ct)
        => RecordAsync(db, MarkRetrySql, mail, nextAttemptAt, error, ct);

    /// <summary>Gives up on this claim's message; false when the claim was no longer ours.</summary>
    public static Task<bool> MarkFailedAsync(NpgsqlDataSource db, ClaimedMail mail, DateTimeOffset now, string error, CancellationToken ct)
        => RecordAsync(db, MarkFailedSql, mail, now, error, ct);

    private static async Task<bool> RecordAsync(NpgsqlDataSource db, string sql, ClaimedMail mail, DateTimeOffset at, string error, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = mail.Id });
        cmd.Parameters.Add(Time(mail.ClaimedUntil));
        cmd.Parameters.Add(Time(at));
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    private static NpgsqlParameter<DateTimeOffset> Time(DateTimeOffset at)
        => new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = at.ToUniversalTime() };
}
