using Npgsql;
using Vpn.Perf.Api.Auth;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>The services the auth endpoints share, bound as one <c>[AsParameters]</c> argument (the eShop <c>OrderServices</c> idea).</summary>
internal sealed record AuthServices(NpgsqlDataSource Db, Passwords Passwords, SessionTokens Sessions, AuthRateLimiter Limiter, AccountMail Mail, TimeProvider Time);
