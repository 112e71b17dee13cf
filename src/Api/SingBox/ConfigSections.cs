namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// The top-level keys of a sing-box configuration that both 1.12 and 1.13 accept, in the order the renderer writes
/// them (so the output order never depends on how an operator ordered the template).
/// </summary>
internal static class ConfigSections
{
    public const string Schema = "$schema";
    public const string Log = "log";
    public const string Dns = "dns";
    public const string Ntp = "ntp";
    public const string Certificate = "certificate";
    public const string Endpoints = "endpoints";
    public const string Inbounds = "inbounds";
    public const string Outbounds = "outbounds";
    public const string Route = "route";
    public const string Services = "services";
    public const string Experimental = "experimental";

    public static readonly string[] Ordered = [Schema, Log, Dns, Ntp, Certificate, Endpoints, Inbounds, Outbounds, Route, Services, Experimental];

    public static int IndexOf(string key) => Array.IndexOf(Ordered, key);
}
