namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// Session, account-mail and rate-limit settings of the auth endpoints (section <c>Auth</c>, next to the JWT settings;
/// docs/api-auth.md, docs/api-accounts.md).
/// </summary>
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

    /// <summary>
    /// The customer-facing site the links of verification and reset mail open (e.g. <c>https://vpn.example.com</c>,
    /// a path allowed): <c>{PublicBaseUrl}/verify-email#token=…</c>, <c>{PublicBaseUrl}/reset-password#token=…</c>.
    /// Never taken from a request's Host header, which a caller chooses. Required when mail is sent (Mail:Smtp:Host).
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long the link of a verification mail works.</summary>
    public TimeSpan EmailVerificationTokenLifetime { get; set; } = TimeSpan.FromHours(48);

    /// <summary>How long the link of a password-reset mail works.</summary>
    public TimeSpan PasswordResetTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Forgot-password requests per minute from one client IP.</summary>
    public int PasswordResetPermitsPerMinute { get; set; } = 10;

    /// <summary>Forgot-password requests per hour for one email address: each may send a mail to it.</summary>
    public int PasswordResetAccountPermitsPerHour { get; set; } = 5;

    /// <summary>Verification mails per hour one signed-in account may ask for.</summary>
    public int VerificationMailPermitsPerHour { get; set; } = 5;

    /// <summary>Verify-email and reset-password attempts (tokens presented) per minute from one client IP.</summary>
    public int AccountTokenPermitsPerMinute { get; set; } = 30;

    /// <summary>Where mail links point: <see cref="PublicBaseUrl"/> without a trailing slash (see <see cref="FromConfiguration"/>).</summary>
    internal string LinkBase { get; private set; } = NoSiteLinkBase;

    /// <summary>The link base of a host that sends no mail and names no site: queued mail carries it until settings change.</summary>
    internal const string NoSiteLinkBase = "http://localhost";

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
        CheckPermits(options.PasswordResetPermitsPerMinute, nameof(PasswordResetPermitsPerMinute));
        CheckPermits(options.PasswordResetAccountPermitsPerHour, nameof(PasswordResetAccountPermitsPerHour));
        CheckPermits(options.VerificationMailPermitsPerHour, nameof(VerificationMailPermitsPerHour));
        CheckPermits(options.AccountTokenPermitsPerMinute, nameof(AccountTokenPermitsPerMinute));
        CheckLifetime(options.EmailVerificationTokenLifetime, nameof(EmailVerificationTokenLifetime), "2.00:00:00");
        CheckLifetime(options.PasswordResetTokenLifetime, nameof(PasswordResetTokenLifetime), "00:30:00");
        options.LinkBase = LinkBaseOf(options.PublicBaseUrl, mailIsSent: !string.IsNullOrWhiteSpace(configuration["Mail:Smtp:Host"]));
        return options;
    }

    private static string LinkBaseOf(string? publicBaseUrl, bool mailIsSent)
    {
        if (string.IsNullOrWhiteSpace(publicBaseUrl))
        {
            // A mail whose link points nowhere useful is worse than none: a host that sends mail must say where links go.
            if (mailIsSent)
                throw new InvalidOperationException("Auth:PublicBaseUrl is not set; it is required when Mail:Smtp:Host is (the site the links of verification and reset mail open, e.g. https://vpn.example.com).");
            return NoSiteLinkBase;
        }
        if (!Uri.TryCreate(publicBaseUrl, UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
            || url.Query.Length != 0 || url.Fragment.Length != 0 || url.UserInfo.Length != 0)
        {
            throw new InvalidOperationException($"Auth:PublicBaseUrl is '{publicBaseUrl}'; it must be an absolute http(s) URL without query, fragment or user info (e.g. https://vpn.example.com).");
        }
        return url.AbsoluteUri.TrimEnd('/');
    }

    private static void CheckLifetime(TimeSpan value, string name, string defaultValue)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(30))
            throw new InvalidOperationException($"Auth:{name} is {value}; it must be positive and at most 30 days (default {defaultValue}).");
    }

    private static void CheckPermits(int value, string name)
    {
        if (value < 1) throw new InvalidOperationException($"Auth:{name} is {value}; it must be at least 1.");
    }
}
