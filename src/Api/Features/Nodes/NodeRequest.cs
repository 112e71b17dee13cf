namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>Body of create and replace; every field is checked by <see cref="NodeValidation.Validate"/>.</summary>
internal sealed record NodeRequest(string? Name, string? Description, string? Geo, string? Purpose);
