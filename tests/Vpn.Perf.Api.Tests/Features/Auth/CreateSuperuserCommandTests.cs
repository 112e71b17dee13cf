using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

public sealed class CreateSuperuserCommandTests
{
    private const string Secret = "bootstrap secret 1";

    [Fact]
    public async Task CreateSuperuser_PasswordOnStdin_CreatesASuperuserWhoCanSignIn()
    {
        await using var api = await AuthKit.StartAsync(nameof(CreateSuperuser_PasswordOnStdin_CreatesASuperuserWhoCanSignIn));
        (int code, string output, string error) = await RunAsync(api, "admin", null, Secret + "\nignored second line\n");
        Assert.True(code == CreateSuperuserCommand.Created, error);
        Assert.Contains("superuser admin created", output, StringComparison.Ordinal);

        TokenResponse tokens = await AuthKit.LoginAsync(api, new { username = "admin", password = Secret });
        MeResponse me = await AuthKit.ReadAsync<MeResponse>(await AuthKit.ClientWith(api, tokens).GetAsync("/api/v1/auth/me"));
        Assert.Equal(Roles.Superuser, me.Role);
        Assert.Equal(1L, await AuthKit.ScalarAsync<long>(api, "select count(*) from audit_log where action = 'user.create-superuser' and target = $1",
            "user:" + me.Id));
    }

    [Fact]
    public async Task CreateSuperuser_PasswordInEnvironment_WinsOverStdin()
    {
        await using var api = await AuthKit.StartAsync(nameof(CreateSuperuser_PasswordInEnvironment_WinsOverStdin));
        (int code, _, string error) = await RunAsync(api, "root", Secret, "stdin is not read\n");
        Assert.True(code == CreateSuperuserCommand.Created, error);
        await AuthKit.LoginAsync(api, new { username = "root", password = Secret });
    }

    [Fact]
    public async Task CreateSuperuser_NameTaken_RefusesWithoutChangingAnything()
    {
        await using var api = await AuthKit.StartAsync(nameof(CreateSuperuser_NameTaken_RefusesWithoutChangingAnything));
        Assert.Equal(CreateSuperuserCommand.Created, (await RunAsync(api, "admin", Secret, "")).Code);

        (int code, _, string error) = await RunAsync(api, "admin", "another secret 22", "");
        Assert.Equal(CreateSuperuserCommand.Refused, code);
        Assert.Contains("a superuser named admin already exists", error, StringComparison.Ordinal);
        await AuthKit.LoginAsync(api, new { username = "admin", password = Secret });

        await AuthKit.SeedUserAsync(api, username: "ops", role: Roles.Operator);
        (code, _, error) = await RunAsync(api, "ops", Secret, "");
        Assert.Equal(CreateSuperuserCommand.Refused, code);
        Assert.Contains("operator", error, StringComparison.Ordinal);
        Assert.Equal("operator", await AuthKit.ScalarAsync<string>(api, "select role from users where username = 'ops'"));
    }

    [Theory]
    [InlineData("admin", "short", "at least 10")]
    [InlineData("admin", "", "required")]
    [InlineData("two words", Secret, "spaces")]
    [InlineData("a@b.c", Secret, "'@'")]
    [InlineData("", Secret, "empty")]
    public async Task CreateSuperuser_InvalidInput_RefusesWithAClearMessage(string username, string stdin, string message)
    {
        await using var api = await AuthKit.StartAsync(nameof(CreateSuperuser_InvalidInput_RefusesWithAClearMessage) + username + stdin.Length);
        (int code, _, string error) = await RunAsync(api, username, null, stdin);
        Assert.Equal(CreateSuperuserCommand.InvalidInput, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Equal(0L, await AuthKit.ScalarAsync<long>(api, "select count(*) from users"));
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(ApiFactory api, string username, string? environment, string stdin)
    {
        await using NpgsqlDataSource db = api.OpenDataSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var command = new CreateSuperuserCommand(db, new Passwords(4), output, error);
        int code = await command.RunAsync(username, environment, new StringReader(stdin), CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
