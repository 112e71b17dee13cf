namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// Cold-path conveniences built on <see cref="ExecuteAsync(RespCommand, CancellationToken)"/>. Each builds a fresh
/// command from strings; hot paths build a reused <see cref="RespCommand"/> from <see cref="RespCommands"/> tokens.
/// </summary>
public sealed partial class RedisClient
{
    /// <summary>Any command from strings, e.g. <c>ExecuteAsync("XADD", ["s", "*", "f", "v"], ct)</c>.</summary>
    public ValueTask<RespValue> ExecuteAsync(string command, ReadOnlySpan<string> args, CancellationToken ct)
    {
        var built = new RespCommand(command);
        foreach (string arg in args)
            built.Arg(arg);
        return ExecuteAsync(built, ct);
    }

    public async ValueTask PingAsync(CancellationToken ct)
    {
        RespValue reply = await ExecuteAsync(new RespCommand(RespCommands.Ping), ct).ConfigureAwait(false);
        if (!reply.IsSimpleString("PONG"))
            throw new RedisException($"PING was answered with {reply}.");
    }

    /// <summary>GET; null when the key does not exist.</summary>
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken ct) =>
        (await ExecuteAsync(new RespCommand(RespCommands.Get).Arg(key), ct).ConfigureAwait(false)).AsBytes();

    /// <summary>GET decoded as UTF-8; null when the key does not exist.</summary>
    public async ValueTask<string?> GetStringAsync(string key, CancellationToken ct) =>
        (await ExecuteAsync(new RespCommand(RespCommands.Get).Arg(key), ct).ConfigureAwait(false)).AsString();

    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct) =>
        await ExecuteAsync(new RespCommand(RespCommands.Set).Arg(key).Arg(value.Span), ct).ConfigureAwait(false);

    public async ValueTask SetAsync(string key, string value, CancellationToken ct) =>
        await ExecuteAsync(new RespCommand(RespCommands.Set).Arg(key).Arg(value), ct).ConfigureAwait(false);

    /// <summary>DEL; returns how many of the keys existed.</summary>
    public ValueTask<long> DelAsync(ReadOnlySpan<string> keys, CancellationToken ct)
    {
        var command = new RespCommand(RespCommands.Del);
        foreach (string key in keys)
            command.Arg(key);
        return AsInt64Async(ExecuteAsync(command, ct));
    }

    public async ValueTask<long> IncrAsync(string key, CancellationToken ct) =>
        (await ExecuteAsync(new RespCommand(RespCommands.Incr).Arg(key), ct).ConfigureAwait(false)).AsInt64();

    /// <summary>HGET decoded as UTF-8; null when the key or field does not exist.</summary>
    public async ValueTask<string?> HGetAsync(string key, string field, CancellationToken ct) =>
        (await ExecuteAsync(new RespCommand(RespCommands.HGet).Arg(key).Arg(field), ct).ConfigureAwait(false)).AsString();

    /// <summary>HSET of one field; returns 1 when the field is new.</summary>
    public async ValueTask<long> HSetAsync(string key, string field, string value, CancellationToken ct) =>
        (await ExecuteAsync(new RespCommand(RespCommands.HSet).Arg(key).Arg(field).Arg(value), ct).ConfigureAwait(false)).AsInt64();

    /// <summary>HGETALL as the raw reply: an array of alternating field and value bulk strings.</summary>
    public ValueTask<RespValue> HGetAllAsync(string key, CancellationToken ct) =>
        ExecuteAsync(new RespCommand(RespCommands.HGetAll).Arg(key), ct);

    /// <summary>HDEL; returns how many of the fields existed.</summary>
    public ValueTask<long> HDelAsync(string key, ReadOnlySpan<string> fields, CancellationToken ct)
    {
        var command = new RespCommand(RespCommands.HDel).Arg(key);
        foreach (string field in fields)
            command.Arg(field);
        return AsInt64Async(ExecuteAsync(command, ct));
    }

    private static async ValueTask<long> AsInt64Async(ValueTask<RespValue> reply) =>
        (await reply.ConfigureAwait(false)).AsInt64();
}
