using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>Typed positional parameters and commands for <see cref="AuthSql"/>.</summary>
internal static class AuthDb
{
    public static NpgsqlParameter P<T>(T value) => new NpgsqlParameter<T> { TypedValue = value };

    // A null Guid? carries no type of its own; Postgres needs to be told it is a uuid.
    public static NpgsqlParameter P(Guid? value) => new NpgsqlParameter<Guid?> { NpgsqlDbType = NpgsqlDbType.Uuid, TypedValue = value };

    public static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddRange(parameters);
        return command;
    }

    public static NpgsqlCommand Command(NpgsqlDataSource db, string sql, params NpgsqlParameter[] parameters)
    {
        NpgsqlCommand command = db.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}
