namespace Vpn.Perf.Shared;

/// <summary>Hard bounds checked before any allocation or loop sized by untrusted input.</summary>
public static class Limits
{
}
