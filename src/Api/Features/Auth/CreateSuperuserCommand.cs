using Vpn.Perf.Api.Data;
using System.Text;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Audit;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// <c>Vpn.Perf.Api create-superuser USERNAME</c>: creates a superuser, typically the first one. The password comes
/// from <c>VPNPERF_SUPERUSER_PASSWORD</c> or one line of stdin, never from the command line (argv is visible to
/// every local user in <c>ps</c> and lands in shell history). Refuses, non-zero, when the name is taken.
/// </summary>
internal sealed class CreateSuperuserCommand(NpgsqlDataSource db, Passwords passwords, TextWriter output, TextWriter error)
{
    public const string PasswordVariable = "VPNPERF_SUPERUSER_PASSWORD";
    public const int MaxUsernameLength = 64;

    public const int Created = 0;
    public const int Refused = 1;
    public const int InvalidInput = 2;

    /// <summary>The Program.cs entry: arguments after the verb, the process's environment and console.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string[] arguments, CancellationToken ct)
    {
        var command = new CreateSuperuserCommand(services.GetRequiredService<NpgsqlDataSource>(),
            Passwords.FromConfiguration(services.GetRequiredService<IConfiguration>()), Console.Out, Console.Error);
        if (arguments is not [var username])
        {
            await Console.Error.WriteLineAsync(
                $"usage: create-superuser USERNAME (the password is read from {PasswordVariable} or from stdin, never from the command line)");
            return InvalidInput;
        }
        string? fromEnvironment = Environment.GetEnvironmentVariable(PasswordVariable);
        TextReader input = string.IsNullOrEmpty(fromEnvironment) && !Console.IsInputRedirected
            ? new StringReader(ReadHidden($"Password for superuser {username}: "))
            : Console.In;
        return await command.RunAsync(username, fromEnvironment, input, ct);
    }

    /// <summary>Creates the superuser; the password is <paramref name="environmentPassword"/> when set, else the first line of <paramref name="input"/>.</summary>
    public async Task<int> RunAsync(string username, string? environmentPassword, TextReader input, CancellationToken ct)
    {
        if (CheckUsername(username) is { } usernameError)
        {
            await error.WriteLineAsync($"create-superuser: {usernameError}");
            return InvalidInput;
        }
        string? password = string.IsNullOrEmpty(environmentPassword) ? await input.ReadLineAsync(ct) : environmentPassword;
        string? passwordError = Passwords.Check(password);
        if (passwordError is not null || password is null)
        {
            await error.WriteLineAsync($"create-superuser: {passwordError} (read from {PasswordVariable} or the first line of stdin)");
            return InvalidInput;
        }

        await using NpgsqlConnection connection = await db.OpenConnectionAsync(ct);
        if (await AuthStore.RoleOfUsernameAsync(connection, username, ct) is { } role) return await RefuseAsync(username, role);

        string hash = passwords.Hash(password);
        var id = Ids.NewId();
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct);
        try
        {
            await AuthStore.InsertSuperuserAsync(connection, tx, id, username, hash, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Another run created the name between our check and the insert.
            return await RefuseAsync(username, Roles.Superuser);
        }
        JsonElement meta = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["username"] = username }, AuthJsonContext.Default.DictionaryStringString);
        await AuditStore.AddAsync(connection, tx, null, "user.create-superuser", AuditStore.Target("user", id), meta, ct);
        await tx.CommitAsync(ct);
        await output.WriteLineAsync($"create-superuser: superuser {username} created (id {id}).");
        return Created;
    }

    private async Task<int> RefuseAsync(string username, string role)
    {
        await error.WriteLineAsync(role == Roles.Superuser
            ? $"create-superuser: a superuser named {username} already exists; nothing was changed."
            : $"create-superuser: the username {username} belongs to an existing {role} account; choose another name. Nothing was changed.");
        return Refused;
    }

    private static string? CheckUsername(string username)
    {
        if (username.Length == 0) return "the username is empty.";
        if (username.Length > MaxUsernameLength) return $"the username has {username.Length} characters; at most {MaxUsernameLength} are allowed.";
        // '@' is kept for email addresses so that a username is never mistaken for one.
        foreach (char c in username)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c == '@') return "the username must not contain spaces, control characters or '@'.";
        }
        return null;
    }

    /// <summary>Reads a line from the terminal without echoing it.</summary>
    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var line = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (line.Length > 0) line.Length--;
                continue;
            }
            if (!char.IsControl(key.KeyChar)) line.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return line.ToString();
    }
}
