namespace Vpn.Perf.Api.Features.Configs;

/// <summary>One User-Agent rule: a config fetch whose User-Agent matches <paramref name="Pattern"/> gets <paramref name="Format"/>.</summary>
/// <param name="Pattern">A .NET regular expression, matched case-insensitively, without backtracking (linear time in the User-Agent).</param>
/// <param name="Format">One of <see cref="ConfigFormats.Names"/>.</param>
internal sealed record FormatRule(string Pattern, string Format);
