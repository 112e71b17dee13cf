namespace Vpn.Perf.Api.Features.Auth;

/// <summary>Session and rate-limit settings of the auth endpoints (section <c>Auth</c>, next to the JWT settings).</summary>
internal sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>How long a refresh token stays usable after it is issued; each refresh issues a new one, so an active device stays signed in.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Login attempts per minute from one client IP.</summary>
    public int LoginPermitsPerMinute { get; set; } = 30;

    /// <summary>Login attempts per minute for one account (normalised email or username), whatever the IP.</summary>
    public int LoginAccountPermitsPerMinute { get; set; } = 10;

    /// <summary>Registrations per minute from one client IP.</summary>
    public int RegisterPermitsPerMinute { get; set; } = 10;

    /// <summary>Registration attempts per minute for one email address.</summary>
    public int RegisterAccountPermitsPerMinute { get; set; } = 3;

    public static AuthOptions FromConfiguration(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<AuthOptions>() ?? new AuthOptions();
        if (options.RefreshTokenLifetime <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Auth:RefreshTokenLifetime is {options.RefreshTokenLifetime}; it must be positive (default 30.00:00:00).");
        }
        CheckPermits(options.LoginPermitsPerMinute, nameof(LoginPermitsPerMinute));
        CheckPermits(options.LoginAccountPermitsPerMinute, nameof(LoginAccountPermitsPerMinute));
        CheckPermits(options.RegisterPermitsPerMinute, nameof(RegisterPermitsPerMinute));
        CheckPermits(options.RegisterAccountPermitsPerMinute, nameof(RegisterAccountPermitsPerMinute));
        return options;
    }

    private static void CheckPermits(int value, string name)
    {
        if (value < 1) throw new InvalidOperationException($"Auth:{name} is {value}; it must be at least 1.");
    }
}
