namespace Vpn.Perf.Api.Auth;

/// <summary>The three roles of DESIGN.md's domain; the values are what <c>users.role</c> holds.</summary>
internal static class Roles
{
    public const string Superuser = "superuser";
    public const string Operator = "operator";
    public const string Customer = "customer";

    public static bool IsKnown(string role) => role is Superuser or Operator or Customer;
}
