namespace Vpn.Perf.Api.Auth;

/// <summary>
/// What an API key may be used for. Every endpoint names the one scope it needs (<see cref="ScopeEndpointExtensions.RequireScope"/>)
/// or refuses keys (<see cref="ScopeEndpointExtensions.RequireSession"/>); a key reaches an endpoint only when it holds
/// that scope and its user's current role passes the endpoint's role policy. Each scope also has a lowest role: a key
/// of a user below it never carries it, whatever the key row says (checked at every request, so a lowered role
/// narrows existing keys at once).
/// </summary>
internal static class ApiScopes
{
    /// <summary>Read subscriptions (a customer's own; staff all) and their linked inbounds.</summary>
    public const string SubscriptionsRead = "subscriptions:read";

    /// <summary>Rotate a config link; staff: create, edit, suspend, resume, reset, delete, bulk, link inbounds.</summary>
    public const string SubscriptionsWrite = "subscriptions:write";

    /// <summary>Usage history: a subscription's (own or, staff, any), a node's or an inbound's (staff).</summary>
    public const string UsageRead = "usage:read";

    /// <summary>Payments, refunds, invoices and billing status (own; staff all).</summary>
    public const string BillingRead = "billing:read";

    /// <summary>Start a purchase (customers), cancel or resume auto-renew; staff: refunds.</summary>
    public const string BillingWrite = "billing:write";

    /// <summary>Staff: read users and groups.</summary>
    public const string UsersRead = "users:read";

    /// <summary>Staff: create, edit, delete users, groups and memberships (operators: customers only, as with a session).</summary>
    public const string UsersWrite = "users:write";

    /// <summary>Staff: read nodes, their tokens, inbounds and the config template.</summary>
    public const string NodesRead = "nodes:read";

    /// <summary>Staff: change nodes, node tokens, inbounds and the config template.</summary>
    public const string NodesWrite = "nodes:write";

    /// <summary>Staff: create, edit and retire plans.</summary>
    public const string PlansWrite = "plans:write";

    /// <summary>Staff: operator analytics (traffic over time in total, per node and per inbound, top subscriptions, node status, subscriptions by state).</summary>
    public const string AnalyticsRead = "analytics:read";

    /// <summary>Superusers: read the audit log.</summary>
    public const string AuditRead = "audit:read";

    /// <summary>Every scope, in the order the documentation lists them.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        SubscriptionsRead, SubscriptionsWrite, UsageRead, BillingRead, BillingWrite,
        UsersRead, UsersWrite, NodesRead, NodesWrite, PlansWrite, AnalyticsRead, AuditRead,
    ];

    public static bool IsKnown(string scope) => MinimumRank(scope) >= 0;

    /// <summary>Whether a user of <paramref name="role"/> may hold <paramref name="scope"/> (false for an unknown scope or role).</summary>
    public static bool Allows(string role, string scope)
    {
        int needed = MinimumRank(scope);
        return needed >= 0 && Rank(role) >= needed;
    }

    private static int MinimumRank(string scope) => scope switch
    {
        SubscriptionsRead or SubscriptionsWrite or UsageRead or BillingRead or BillingWrite => 1,
        UsersRead or UsersWrite or NodesRead or NodesWrite or PlansWrite or AnalyticsRead => 2,
        AuditRead => 3,
        _ => -1,
    };

    private static int Rank(string role) => role switch
    {
        Roles.Customer => 1,
        Roles.Operator => 2,
        Roles.Superuser => 3,
        _ => 0,
    };
}
