namespace Vpn.Perf.Api.Features.Configs;

/// <summary>The User-Agent rules in force in this Api instance: the shipped ones until the operator's are read, then
/// whatever the last change notice brought (docs/config-rendering.md, "Formats").</summary>
internal sealed class ActiveFormatRules
{
    private volatile FormatRules _current = FormatRules.Default;

    public FormatRules Current => _current;

    public void Replace(FormatRules rules) => _current = rules;
}
