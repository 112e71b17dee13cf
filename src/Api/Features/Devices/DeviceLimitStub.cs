using Microsoft.Extensions.Options;
using Vpn.Perf.Api.Features.Configs;

namespace Vpn.Perf.Api.Features.Devices;

/// <summary>
/// What a device beyond the limit gets: each format's stub config that connects nowhere, named (where the format has a
/// name) and titled (<c>profile-title</c>) for the reason. Its ETag is its own (over the body and the title), never the
/// subscription's config ETag nor the over-limit stub's, so a blocked device cannot turn a cached 200 into a 304.
/// </summary>
internal sealed class DeviceLimitStub
{
    private readonly RenderedConfig[] _rendered = new RenderedConfig[ConfigFormats.Count];

    public DeviceLimitStub(IOptions<DeviceOptions> options, ConfigHeaders headers)
    {
        string title = options.Value.LimitReachedTitle;
        for (int f = 0; f < _rendered.Length; f++)
        {
            _rendered[f] = new RenderedConfig((ConfigFormat)f, ConfigFormats.RenderStub((ConfigFormat)f, title), headers.FileName(title), etagSalt: title);
        }
        ProfileTitle = headers.ProfileTitle(title);
    }

    public string ProfileTitle { get; }

    public RenderedConfig Rendered(ConfigFormat format) => _rendered[(int)format];
}
