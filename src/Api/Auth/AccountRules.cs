namespace Vpn.Perf.Api.Auth;

/// <summary>
/// Operator rules about accounts that features other than auth enforce (section <c>Auth</c>; docs/api-accounts.md).
/// </summary>
internal sealed class AccountRules
{
    public const string RequireVerifiedEmailForPurchasesKey = "Auth:RequireVerifiedEmailForPurchases";

    /// <summary>A customer whose email address is not verified cannot start a purchase (403 <c>email-not-verified</c>).</summary>
    public bool RequireVerifiedEmailForPurchases { get; init; }

    public static AccountRules FromConfiguration(IConfiguration configuration)
        => new() { RequireVerifiedEmailForPurchases = configuration.GetValue(RequireVerifiedEmailForPurchasesKey, false) };
}
