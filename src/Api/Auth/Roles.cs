namespace Vpn.Perf.Api.Auth;

/// <summary>
/// The roles a user can have; the values are what <c>users.role</c> holds. Beside DESIGN.md's superuser, operator and
/// customer: <see cref="Support"/> (read-only staff) and <see cref="Reseller"/> (a scoped operator). docs/api-accounts.md
/// ("Roles") has the role × capability table.
/// </summary>
internal static class Roles
{
    public const string Superuser = "superuser";
    public const string Operator = "operator";

    /// <summary>
    /// Manages only the customers and subscriptions it created, within the quota a superuser sets. A role of its own,
    /// not a flag on operators: every policy that does not name it refuses it, so an endpoint that forgets to scope
    /// its queries stays closed to resellers instead of showing them everything.
    /// </summary>
    public const string Reseller = "reseller";

    /// <summary>Reads users, subscriptions, devices, payments and usage; changes nothing but devices and config links.</summary>
    public const string Support = "support";

    public const string Customer = "customer";

    /// <summary>Every role, in the order the documentation lists them.</summary>
    public static readonly IReadOnlyList<string> All = [Superuser, Operator, Reseller, Support, Customer];

    public static bool IsKnown(string role) => role is Superuser or Operator or Reseller or Support or Customer;
}
