namespace Vpn.Perf.Api.Auth;

/// <summary>
/// What an API key may be used for. Every endpoint names the one scope it needs (<see cref="ScopeEndpointExtensions.RequireScope"/>)
/// or refuses keys (<see cref="ScopeEndpointExtensions.RequireSession"/>); a key reaches an endpoint only when it holds
/// that scope and its user's current role passes the endpoint's role policy. Each role may hold a fixed set of scopes
/// (<see cref="Allows"/>): a key of a user whose role lacks a scope never carries it, whatever the key row says
/// (checked at every request, so a changed role narrows existing keys at once).
/// </summary>
internal static class ApiScopes
{
    /// <summary>Read subscriptions (a customer's own, a reseller's created; staff and support all), their linked inbounds and devices.</summary>
    public const string SubscriptionsRead = "subscriptions:read";

    /// <summary>Rotate a config link, remove or reset devices; staff and resellers: create, edit, suspend, resume, reset, delete, bulk, link inbounds.</summary>
    public const string SubscriptionsWrite = "subscriptions:write";

    /// <summary>Usage history: a subscription's (own or, staff, any), a node's or an inbound's (staff).</summary>
    public const string UsageRead = "usage:read";

    /// <summary>Payments, refunds, invoices and billing status (own; staff all).</summary>
    public const string BillingRead = "billing:read";

    /// <summary>Start a purchase (customers), cancel or resume auto-renew; staff: refunds.</summary>
    public const string BillingWrite = "billing:write";

    /// <summary>Staff: read users and groups (support: users; resellers: their own customers); superusers: reseller quotas.</summary>
    public const string UsersRead = "users:read";

    /// <summary>Staff: create, edit, delete users, groups and memberships (operators: customers only, resellers: their own customers, as with a session); superusers: reseller quotas.</summary>
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

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);

    /// <summary>Whether a user of <paramref name="role"/> may hold <paramref name="scope"/> (false for an unknown scope or role).</summary>
    public static bool Allows(string role, string scope) => Of(role).Contains(scope, StringComparer.Ordinal);

    /// <summary>
    /// The scopes each role may hold: what its sessions can do, no more. Support reads and rotates links or resets
    /// devices (subscriptions:write), never changes users or billing; a reseller manages its own customers and
    /// subscriptions (users:write, subscriptions:write) but reads no nodes and starts no purchases.
    /// </summary>
    public static IReadOnlyList<string> Of(string role) => role switch
    {
        Roles.Customer => CustomerScopes,
        Roles.Support => SupportScopes,
        Roles.Reseller => ResellerScopes,
        Roles.Operator => OperatorScopes,
        Roles.Superuser => All,
        _ => [],
    };

    private static readonly string[] CustomerScopes = [SubscriptionsRead, SubscriptionsWrite, UsageRead, BillingRead, BillingWrite];

    private static readonly string[] SupportScopes = [SubscriptionsRead, SubscriptionsWrite, UsageRead, BillingRead, UsersRead];

    private static readonly string[] ResellerScopes = [SubscriptionsRead, SubscriptionsWrite, UsageRead, BillingRead, UsersRead, UsersWrite];

    private static readonly string[] OperatorScopes = [.. All.Where(s => s != AuditRead)];
}
