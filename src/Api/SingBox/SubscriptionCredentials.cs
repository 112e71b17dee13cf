using System.Security.Cryptography;
using System.Text;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// The one place that turns a subscription's <c>secret</c> into what a protocol authenticates with, used both by
/// the config renderer (client side) and by node sync (server side), so the two always agree.
/// The secret is a UUID string (see <c>subscriptions.secret</c>).
/// </summary>
internal static class SubscriptionCredentials
{
    /// <summary>vless, vmess and tuic identify a user by UUID: the secret itself.</summary>
    public static string Uuid(string secret) => Guid.Parse(secret).ToString();

    /// <summary>trojan, hysteria2, tuic and legacy shadowsocks methods take a password: the secret itself.</summary>
    public static string Password(string secret) => secret;

    /// <summary>
    /// Shadowsocks 2022 user keys must be base64 of exactly the method's key length (16 bytes for
    /// 2022-blake3-aes-128-gcm, 32 for the others); derived from the secret so no second secret is stored.
    /// The client's password is then <c>server_psk:user_key</c>.
    /// </summary>
    public static string Shadowsocks2022UserKey(string method, string secret)
    {
        int length = method == "2022-blake3-aes-128-gcm" ? 16 : 32;
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("ss2022-user-key:" + secret), digest);
        return Convert.ToBase64String(digest[..length]);
    }
}
