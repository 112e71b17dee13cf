using Microsoft.Extensions.Configuration;
using Vpn.Perf.Api.Features.Auth;

namespace Vpn.Perf.Api.Tests.Features.Auth;

public sealed class AuthOptionsTests
{
    [Fact]
    public void FromConfiguration_Defaults_TokenLifetimesAndNoSite()
    {
        AuthOptions options = AuthOptions.FromConfiguration(Configuration());
        Assert.Equal(TimeSpan.FromHours(48), options.EmailVerificationTokenLifetime);
        Assert.Equal(TimeSpan.FromMinutes(30), options.PasswordResetTokenLifetime);
        Assert.Equal(AuthOptions.NoSiteLinkBase, options.LinkBase);
    }

    [Fact]
    public void FromConfiguration_PublicBaseUrl_IsTheLinkBaseWithoutATrailingSlash()
    {
        AuthOptions options = AuthOptions.FromConfiguration(Configuration(("Auth:PublicBaseUrl", "https://vpn.example.com/account/")));
        Assert.Equal("https://vpn.example.com/account", options.LinkBase);
    }

    [Theory]
    [InlineData("Mail:Smtp:Host", "smtp.example.com", "Auth:PublicBaseUrl is not set")]
    [InlineData("Auth:PublicBaseUrl", "vpn.example.com", "Auth:PublicBaseUrl is 'vpn.example.com'")]
    [InlineData("Auth:PublicBaseUrl", "ftp://vpn.example.com", "must be an absolute http(s) URL")]
    [InlineData("Auth:PublicBaseUrl", "https://vpn.example.com/?next=1", "without query")]
    [InlineData("Auth:PasswordResetTokenLifetime", "00:00:00", "Auth:PasswordResetTokenLifetime is 00:00:00")]
    [InlineData("Auth:EmailVerificationTokenLifetime", "31.00:00:00", "at most 30 days")]
    [InlineData("Auth:PasswordResetAccountPermitsPerHour", "0", "Auth:PasswordResetAccountPermitsPerHour is 0")]
    public void FromConfiguration_InvalidSetting_ThrowsNamingIt(string key, string value, string message)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => AuthOptions.FromConfiguration(Configuration((key, value))));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings)
        => new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
