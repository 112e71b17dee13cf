using System.Text;
using Microsoft.Extensions.Options;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Features.Devices;

/// <summary>
/// What a device beyond the limit gets: the stub config that connects nowhere (<see cref="ConfigRenderer.WriteStub"/>)
/// under a <c>profile-title</c> that says why. Its ETag is its own (over the body and the title), never the
/// subscription's config ETag nor the over-limit stub's, so a blocked device cannot turn a cached 200 into a 304.
/// </summary>
internal sealed class DeviceLimitStub
{
    public DeviceLimitStub(IOptions<DeviceOptions> options, ConfigHeaders headers)
    {
        string title = options.Value.LimitReachedTitle;
        Body = ConfigRenderer.RenderStub();
        ProfileTitle = headers.ProfileTitle(title);
        ETag = ConfigLoader.ETagOf([.. Body, .. Encoding.UTF8.GetBytes(title)]);
    }

    public byte[] Body { get; }

    /// <summary>Strong, quoted.</summary>
    public string ETag { get; }

    public string ProfileTitle { get; }
}
