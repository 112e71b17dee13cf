using System.ComponentModel.DataAnnotations;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>New User-Agent rules, replacing the current ones whole.</summary>
/// <param name="Rules">In order, at most 64; each pattern a .NET regular expression without backreferences or lookarounds (they are run without backtracking).</param>
/// <param name="Fallback">The format of a User-Agent no rule matches.</param>
/// <param name="Version">The version the edit started from; another save in between answers 412.</param>
internal sealed record FormatRulesUpdate(IReadOnlyList<FormatRule>? Rules, string? Fallback, [property: Range(0, long.MaxValue)] long Version);
