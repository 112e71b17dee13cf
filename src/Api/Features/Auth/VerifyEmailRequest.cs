namespace Vpn.Perf.Api.Features.Auth;

/// <summary>The token of a verification mail's link (<c>…/verify-email#token=…</c>).</summary>
internal sealed record VerifyEmailRequest(string? Token);
