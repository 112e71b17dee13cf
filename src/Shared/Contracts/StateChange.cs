using StackExchange.Redis;

namespace Vpn.Perf.Shared.Contracts;

/// <summary>What a notice on <see cref="RedisKeys.StateChanges"/> names.</summary>
public enum StateChangeKind
{
    /// <summary>A subscription's state or scope: caches drop that subscription.</summary>
    Subscription,

    /// <summary>A node token (issued, revoked): caches drop every token, since the notice names the token's id, not its hash.</summary>
    Token,
}

/// <summary>
/// One notice on the change feed: written by the Api's <c>StatePublisher</c> after each publish, read by Ingest's cache
/// maintenance to drop what changed. The stream entry's fields are <see cref="Fields"/>; ids travel as 32 hex digits.
/// </summary>
public readonly record struct StateChange(StateChangeKind Kind, Guid Id)
{
    public static class Fields
    {
        public const string Kind = "kind";
        public const string Id = "id";
    }

    private const string SubscriptionKind = "sub";
    private const string TokenKind = "token";

    /// <summary>The stream entry's fields.</summary>
    public NameValueEntry[] ToEntry() =>
        [new(Fields.Kind, Kind == StateChangeKind.Subscription ? SubscriptionKind : TokenKind), new(Fields.Id, Id.ToString("N"))];

    /// <summary>
    /// Reads a notice; false for an entry this version does not understand (a kind added later, a malformed id), which
    /// a reader must treat as "anything may have changed".
    /// </summary>
    public static bool TryParse(StreamEntry entry, out StateChange change)
    {
        string? kind = entry[Fields.Kind];
        StateChangeKind? parsed = kind switch
        {
            SubscriptionKind => StateChangeKind.Subscription,
            TokenKind => StateChangeKind.Token,
            _ => null,
        };
        if (parsed is { } k && Guid.TryParseExact((string?)entry[Fields.Id], "N", out Guid id))
        {
            change = new StateChange(k, id);
            return true;
        }
        change = default;
        return false;
    }
}
