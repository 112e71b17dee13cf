using System.Text.Json;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>The base template as staff read it.</summary>
/// <param name="Version">Increases on every save; send it back with the next save.</param>
/// <param name="UpdatedAt">When it was last saved.</param>
/// <param name="UpdatedBy">Who saved it (null for the migration's default).</param>
/// <param name="Body">The sing-box template document.</param>
internal sealed record ConfigTemplateView(long Version, DateTimeOffset UpdatedAt, Guid? UpdatedBy, JsonElement Body);
