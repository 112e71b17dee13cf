using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Vpn.Perf.Api.Http;

namespace Vpn.Perf.Api.Features.Billing.Webhooks;

/// <summary>
/// A provider event (docs/billing-webhooks.md): <c>{id, type, payment_id, amount, currency, provider_payment_id?,
/// reason?}</c> in snake_case. Only <c>id</c> and <c>type</c> are required of every event, so an event type we do not
/// know is still recorded and acknowledged; the payment fields are required of the <c>payment.*</c> types.
/// </summary>
internal sealed record WebhookEvent(string Id, string Type, Guid? PaymentId, decimal? Amount, string? Currency, string? ProviderPaymentId, string? Reason)
{
    public const string Succeeded = "payment.succeeded";
    public const string Failed = "payment.failed";
    public const string Refunded = "payment.refunded";

    private const int MaxId = 200;
    private const int MaxType = 100;
    private const int MaxReason = 500;

    public bool IsKnown => Type is Succeeded or Failed or Refunded;

    public static bool TryParse(ReadOnlySpan<byte> body, [NotNullWhen(true)] out WebhookEvent? evt, FieldErrors errors)
    {
        evt = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            errors.Add("body", "The body is not JSON.");
            return false;
        }
        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add("body", "The body must be a JSON object.");
                return false;
            }
            string? id = Text(root, "id", MaxId, errors, required: true);
            string? type = Text(root, "type", MaxType, errors, required: true);
            if (errors.Any) return false;
            bool payment = type is Succeeded or Failed or Refunded;
            Guid? paymentId = null;
            decimal? amount = null;
            string? currency = null;
            if (payment)
            {
                string? rawId = Text(root, "payment_id", 64, errors, required: true);
                if (rawId is not null)
                {
                    if (Guid.TryParse(rawId, out Guid parsed)) paymentId = parsed;
                    else errors.Add("payment_id", "Must be the payment id the purchase answered (a UUID).");
                }
                amount = ReadAmount(root, errors);
                currency = Text(root, "currency", 3, errors, required: true);
            }
            string? providerPaymentId = Text(root, "provider_payment_id", MaxId, errors, required: false);
            string? reason = Text(root, "reason", MaxReason, errors, required: false);
            if (errors.Any) return false;
            evt = new WebhookEvent(id!, type!, paymentId, amount, currency, providerPaymentId, reason);
            return true;
        }
    }

    private static string? Text(JsonElement root, string name, int max, FieldErrors errors, bool required)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) errors.Add(name, "Is required.");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(name, "Must be a string.");
            return null;
        }
        string text = value.GetString()!;
        if (text.Length == 0 || text.Length > max)
        {
            errors.Add(name, $"Must be 1 to {max} characters.");
            return null;
        }
        return text;
    }

    /// <summary>A decimal string (<c>"9.99"</c>, recommended) or a JSON number read exactly as decimal, never through a double.</summary>
    private static decimal? ReadAmount(JsonElement root, FieldErrors errors)
    {
        if (!root.TryGetProperty("amount", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add("amount", "Is required.");
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out decimal number)) return number;
        if (value.ValueKind == JsonValueKind.String
            && decimal.TryParse(value.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal parsed)) return parsed;
        errors.Add("amount", "Must be a decimal amount such as \"9.99\".");
        return null;
    }
}
