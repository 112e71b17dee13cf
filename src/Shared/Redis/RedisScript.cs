using System.Security.Cryptography;
using System.Text;

namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// A Lua script run with EVALSHA. The SHA1 that names it on the server is computed once here;
/// <see cref="RedisClient.EvalShaAsync"/> loads the source (SCRIPT LOAD) only when the server answers NOSCRIPT
/// (after a restart or SCRIPT FLUSH) and then retries once.
/// </summary>
public sealed class RedisScript
{
    private readonly byte[] _sha1Hex;

    public RedisScript(string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        Source = source;
#pragma warning disable CA5350 // SHA1 is how Redis names scripts (EVALSHA); it is an identifier here, not a security measure.
        byte[] hash = SHA1.HashData(Encoding.UTF8.GetBytes(source));
#pragma warning restore CA5350
        Sha1 = Convert.ToHexStringLower(hash);
        _sha1Hex = Encoding.ASCII.GetBytes(Sha1);
    }

    public string Source { get; }

    /// <summary>Lowercase hex SHA1 of the UTF-8 source, as SCRIPT LOAD returns it.</summary>
    public string Sha1 { get; }

    /// <summary>
    /// Starts <c>EVALSHA &lt;sha1&gt; &lt;keyCount&gt;</c>; append the keys, then the arguments, and pass it to
    /// <see cref="RedisClient.EvalShaAsync"/>.
    /// </summary>
    public RespCommand CreateCommand(int keyCount, int sizeHint = 256)
    {
        var command = new RespCommand(RespCommands.EvalSha, sizeHint);
        return Start(command, keyCount);
    }

    /// <summary>
    /// Starts the next EVALSHA of this script on a command instance the caller reuses (it is empty after
    /// EvalShaAsync), so a hot loop builds without allocating.
    /// </summary>
    public RespCommand ResetCommand(RespCommand command, int keyCount, int sizeHint = 256)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Reset(RespCommands.EvalSha, sizeHint);
        return Start(command, keyCount);
    }

    private RespCommand Start(RespCommand command, int keyCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keyCount);
        command.Arg(_sha1Hex).Arg(keyCount);
        command.Script = this;
        return command;
    }
}
