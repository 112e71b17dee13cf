using System.Text;
using Vpn.Perf.Api.Features.Billing.Webhooks;

namespace Vpn.Perf.Api.Tests.Features.Billing;

public sealed class WebhookSignatureTests
{
    // The example of docs/billing-webhooks.md; this test computes it, so the document cannot drift from the code.
    private const string DocSecret = "whsec_test_0123456789abcdef";
    private const long DocTimestamp = 1767225600; // 2026-01-01T00:00:00Z
    private const string DocBody =
        """{"id":"evt_0001","type":"payment.succeeded","payment_id":"01960000-0000-7000-8000-000000000001","amount":"9.99","currency":"USD","provider_payment_id":"pi_123"}""";

    [Fact]
    public void Sign_DocumentedExample_MatchesTheSignatureInTheDoc()
    {
        string signature = WebhookSignature.Sign(Encoding.UTF8.GetBytes(DocSecret), DocTimestamp, Encoding.UTF8.GetBytes(DocBody));
        string doc = File.ReadAllText(Path.Combine(TestServers.SchemaDirectory, "..", "..", "docs", "billing-webhooks.md"));
        Assert.Contains(DocSecret, doc, StringComparison.Ordinal);
        Assert.Contains(DocBody, doc, StringComparison.Ordinal);
        Assert.Contains($"Vpn-Perf-Signature: t={DocTimestamp},v1={signature}", doc, StringComparison.Ordinal);
        Assert.Equal(WebhookSignature.Result.Valid, WebhookSignature.Verify($"t={DocTimestamp},v1={signature}", Encoding.UTF8.GetBytes(DocBody),
            [Encoding.UTF8.GetBytes(DocSecret)], DateTimeOffset.FromUnixTimeSeconds(DocTimestamp), TimeSpan.FromMinutes(5), out _));
    }

    [Fact]
    public void Verify_ToleranceWindow_IsInclusiveInBothDirections()
    {
        byte[] secret = Encoding.UTF8.GetBytes(DocSecret), body = Encoding.UTF8.GetBytes(DocBody);
        string header = $"t={DocTimestamp},v1={WebhookSignature.Sign(secret, DocTimestamp, body)}";
        DateTimeOffset signedAt = DateTimeOffset.FromUnixTimeSeconds(DocTimestamp);
        TimeSpan tolerance = TimeSpan.FromMinutes(5);
        Assert.Equal(WebhookSignature.Result.Valid, WebhookSignature.Verify(header, body, [secret], signedAt.AddSeconds(300), tolerance, out _));
        Assert.Equal(WebhookSignature.Result.Valid, WebhookSignature.Verify(header, body, [secret], signedAt.AddSeconds(-300), tolerance, out _));
        Assert.Equal(WebhookSignature.Result.Stale, WebhookSignature.Verify(header, body, [secret], signedAt.AddSeconds(301), tolerance, out _));
        Assert.Equal(WebhookSignature.Result.Stale, WebhookSignature.Verify(header, body, [secret], signedAt.AddSeconds(-301), tolerance, out _));
        // Unknown schemes are skipped; upper-case hex is accepted.
        Assert.Equal(WebhookSignature.Result.Valid,
            WebhookSignature.Verify($"t={DocTimestamp},v0=abc,v1={WebhookSignature.Sign(secret, DocTimestamp, body).ToUpperInvariant()}", body, [secret], signedAt, tolerance, out _));
    }
}
