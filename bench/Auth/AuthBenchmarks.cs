using BenchmarkDotNet.Attributes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Vpn.Perf.Api.Auth;

namespace Vpn.Perf.Benchmarks.Auth;

/// <summary>
/// The two costs of the Api's auth: validating an access token (every signed-in request, with the Api's own
/// <see cref="AuthSetup.ValidationParameters"/>) and bcrypt at the default cost 12 (every login and register).
/// The bcrypt numbers are the "login cost at the chosen bcrypt cost" of docs/perf.md; one run takes about a
/// quarter of a second, so those two benchmarks use few iterations.
/// </summary>
[MemoryDiagnoser]
public class AuthBenchmarks
{
    private const string Password = "correct horse 42";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly int _cost = PasswordHasher.DefaultCost;
    private TokenValidationParameters _parameters = null!;
    private string _token = "";
    private string _hash = "";

    [GlobalSetup]
    public void Setup()
    {
        var options = new JwtOptions { SigningKey = "bench-signing-key-0123456789abcdefghijklmnopqrstuvwxyz" };
        _parameters = AuthSetup.ValidationParameters(options);
        _token = new AccessTokenIssuer(options, TimeProvider.System).Issue(Guid.CreateVersion7(), Roles.Customer, Guid.CreateVersion7());
        _hash = PasswordHasher.Hash(Password, PasswordHasher.DefaultCost);
    }

    [Benchmark(Description = "Validate access token (HS256)")]
    public async Task<bool> ValidateAccessToken()
    {
        TokenValidationResult result = await _handler.ValidateTokenAsync(_token, _parameters);
        return result.IsValid ? true : throw new InvalidOperationException("The benchmark token did not validate.", result.Exception);
    }

    [Benchmark(Description = "bcrypt hash, cost 12")]
    [IterationCount(5)]
    [WarmupCount(1)]
    public string HashCost12() => PasswordHasher.Hash(Password, _cost);

    [Benchmark(Description = "bcrypt verify, cost 12")]
    [IterationCount(5)]
    [WarmupCount(1)]
    public bool VerifyCost12() => PasswordHasher.Verify(Password, _hash);
}
