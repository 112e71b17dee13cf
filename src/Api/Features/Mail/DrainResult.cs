namespace Vpn.Perf.Api.Features.Mail;

/// <summary>What one drain did: messages accepted by the server, put back for a retry, and given up on.</summary>
internal readonly record struct DrainResult(int Sent, int Retried, int Failed);
