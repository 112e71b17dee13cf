using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Data;

/// <summary>
/// Positional parameters with an explicit Postgres type, so a null (an absent filter, "no restriction") is still
/// typed and the optional-filter pattern <c>($1::uuid is null or owner_id = $1)</c> plans like the filter itself.
/// </summary>
internal static class DbParameters
{
    public static NpgsqlCommand Arg<T>(this NpgsqlCommand command, T value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value, NpgsqlDbType = type });
        return command;
    }

    /// <summary>timestamptz wants UTC; an offset from the client is converted, not rejected.</summary>
    public static NpgsqlCommand Arg(this NpgsqlCommand command, DateTimeOffset? value)
        => command.Arg(value?.ToUniversalTime(), NpgsqlDbType.TimestampTz);
}
