using System.Text.Json;
using System.Text.Json.Serialization;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Auth;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(RefreshRequest))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(VerifyEmailRequest))]
[JsonSerializable(typeof(ForgotPasswordRequest))]
[JsonSerializable(typeof(ResetPasswordRequest))]
[JsonSerializable(typeof(MailAcceptedResponse))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(RegisterResponse))]
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(Page<SessionResponse>))]
// Audit meta.
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, int>))]
internal sealed partial class AuthJsonContext : JsonSerializerContext;
