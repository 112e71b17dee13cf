namespace Vpn.Perf.Api.Features.Auth;

/// <summary>The token of a reset mail's link (<c>…/reset-password#token=…</c>) and the new password (register's rules).</summary>
internal sealed record ResetPasswordRequest(string? Token, string? NewPassword);
