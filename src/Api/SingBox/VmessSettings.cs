namespace Vpn.Perf.Api.SingBox;

/// <param name="Security">The VMess cipher (auto, none, zero, aes-128-gcm, chacha20-poly1305, aes-128-ctr). AEAD only: alter_id is always 0.</param>
internal sealed record VmessSettings(string Security) : ProtocolSettings;
