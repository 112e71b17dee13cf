namespace Vpn.Perf.Api.SingBox;

/// <param name="PublicKey">X25519 public key, RawURL base64 of 32 bytes (as sing-box checks it).</param>
/// <param name="ShortId">Even-length hex of at most 16 digits; empty is allowed.</param>
internal sealed record RealitySpec(string PublicKey, string ShortId);
