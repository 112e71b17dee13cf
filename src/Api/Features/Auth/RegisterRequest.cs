namespace Vpn.Perf.Api.Features.Auth;

// Fields are nullable so that a missing field reaches the handler's validation and comes back as a per-field
// `validation` problem instead of a binder error.

/// <summary>Self-registration of a customer account. <c>DeviceName</c> is accepted and ignored: register starts no session.</summary>
internal sealed record RegisterRequest(string? Email, string? Password, string? DeviceName);
