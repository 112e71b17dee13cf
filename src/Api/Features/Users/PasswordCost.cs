using Vpn.Perf.Api.Auth;

namespace Vpn.Perf.Api.Features.Users;

/// <summary>The bcrypt cost for passwords set by the administration (<c>Auth:BcryptCost</c>, default 12; tests lower it).</summary>
internal sealed record PasswordCost(int Value)
{
    public const string Key = "Auth:BcryptCost";

    public static PasswordCost From(IConfiguration configuration)
    {
        int cost = configuration.GetValue(Key, PasswordHasher.DefaultCost);
        if (cost is < 4 or > 31) throw new InvalidOperationException($"{Key} is {cost}; bcrypt costs run from 4 to 31 (12 is the default).");
        return new PasswordCost(cost);
    }
}
