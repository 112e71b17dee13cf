namespace Vpn.Perf.Api.Features.Configs;

/// <summary>The User-Agent rules as staff read them.</summary>
/// <param name="Version">Increases on every save; send it back with the next save (0: the row is gone, the shipped rules apply).</param>
/// <param name="UpdatedAt">When they were last saved.</param>
/// <param name="UpdatedBy">Who saved them (null for the migration's defaults).</param>
/// <param name="Rules">In order: the first whose pattern matches the User-Agent chooses.</param>
/// <param name="Fallback">The format of a User-Agent no rule matches.</param>
/// <param name="Formats">The format names a rule may choose.</param>
internal sealed record FormatRulesView(long Version, DateTimeOffset UpdatedAt, Guid? UpdatedBy, IReadOnlyList<FormatRule> Rules, string Fallback,
    IReadOnlyList<string> Formats);
