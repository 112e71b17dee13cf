using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>A new base template.</summary>
/// <param name="Body">The sing-box template document (at most 64 KiB).</param>
/// <param name="Version">The version the edit started from; another save in between answers 412.</param>
internal sealed record ConfigTemplateUpdate(JsonElement Body, [property: Range(0, long.MaxValue)] long Version);
