using System.Buffers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Features.Billing.Payments;
using Vpn.Perf.Api.Features.WireGuard;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Billing.Webhooks;

/// <summary>
/// <c>POST /api/v1/payments/webhook/{provider}</c> (docs/billing-webhooks.md): anonymous, authenticated by the
/// signature alone. The body is read raw and bounded, verified before it is parsed, and applied in one transaction
/// that is idempotent by the event id (payment_events) and by the payment's state (its row lock).
/// </summary>
internal static partial class WebhooksEndpoints
{
    private const string Applied = "applied";
    private const string NoChange = "no_change";
    private const string Ignored = "ignored";
    private const string Duplicate = "duplicate";

    public static RouteHandlerBuilder MapWebhooks(this IEndpointRouteBuilder app)
        => app.MapPost("/api/v1/payments/webhook/{provider}", ReceiveWebhook)
            .WithName(nameof(ReceiveWebhook))
            .WithTags("Billing")
            .WithSummary("A payment provider's signed event (Vpn-Perf-Signature: t=<unix>,v1=<hex>); anonymous, authenticated by the signature.")
            .AllowAnonymous();

    private static async Task<Results<Ok<WebhookAck>, ValidationProblem, ProblemHttpResult>> ReceiveWebhook(
        string provider, HttpRequest request, BillingOptions options, NpgsqlDataSource db, WireGuardPeers peers, TimeProvider time, ILoggerFactory loggers,
        CancellationToken ct)
    {
        ILogger logger = loggers.CreateLogger(typeof(WebhooksEndpoints).FullName!);
        // The route value is the caller's, unauthenticated: not echoed back.
        if (!options.Providers.TryGetValue(provider, out byte[][]? secrets)) return Problem.Of(ProblemTypes.NotFound, "No payment provider of that name is configured.");
        int max = options.WebhookMaxBodyBytes;
        if (request.ContentLength > max) return TooLarge(max);

        byte[] buffer = ArrayPool<byte>.Shared.Rent(max + 1);
        try
        {
            // One byte past the limit tells "exactly at the limit" from "over it" without trusting Content-Length.
            int length = 0;
            while (length <= max)
            {
                int read = await request.Body.ReadAsync(buffer.AsMemory(length, max + 1 - length), ct);
                if (read == 0) break;
                length += read;
            }
            if (length > max) return TooLarge(max);
            ReadOnlyMemory<byte> body = buffer.AsMemory(0, length);

            DateTimeOffset now = time.GetUtcNow();
            WebhookSignature.Result verdict = WebhookSignature.Verify(request.Headers[WebhookSignature.Header].ToString(), body.Span, secrets, now,
                options.WebhookTolerance, out long signedAt);
            switch (verdict)
            {
                case WebhookSignature.Result.Stale:
                    WebhooksLog.Refused(logger, provider, "timestamp out of tolerance");
                    return Problem.Of(ProblemTypes.WebhookTimestampOutOfTolerance,
                        $"The signed timestamp {signedAt} is more than {(long)options.WebhookTolerance.TotalSeconds} s from the server's clock ({now.ToUnixTimeSeconds()}).");
                case WebhookSignature.Result.Malformed:
                    WebhooksLog.Refused(logger, provider, "signature header missing or malformed");
                    return Problem.Of(ProblemTypes.WebhookSignatureInvalid, $"Send {WebhookSignature.Header}: t=<unix seconds>,v1=<64 hex digits>.");
                case WebhookSignature.Result.Mismatch:
                    WebhooksLog.Refused(logger, provider, "no signature matches");
                    return Problem.Of(ProblemTypes.WebhookSignatureInvalid, "No v1 signature matches the body and timestamp under a configured secret.");
            }

            var errors = new FieldErrors();
            if (!WebhookEvent.TryParse(body.Span, out WebhookEvent? evt, errors)) return errors.ToProblem();
            return await ApplyAsync(provider, evt, db, peers, now, logger, ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<Results<Ok<WebhookAck>, ValidationProblem, ProblemHttpResult>> ApplyAsync(
        string provider, WebhookEvent evt, NpgsqlDataSource db, WireGuardPeers peers, DateTimeOffset now, ILogger logger, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (!await WebhooksStore.RecordEventAsync(conn, tx, provider, evt.Id, evt.Type, now, ct)) return Ack(logger, provider, evt, Duplicate);
        if (!evt.IsKnown)
        {
            await tx.CommitAsync(ct); // recorded as ignored, so a later version of us can see what was received
            return Ack(logger, provider, evt, Ignored);
        }

        // A problem below returns before the commit: the transaction rolls back, the event is not recorded, and the
        // provider's retry (or a corrected event) is applied later.
        LockedPayment? payment = await PaymentsStore.LockAsync(conn, tx, evt.PaymentId!.Value, ct);
        if (payment is null || payment.Provider != provider) return Problem.NotFound("payment", evt.PaymentId.Value);
        if (evt.Currency != payment.Currency)
            return Problem.Of(ProblemTypes.PaymentMismatch, $"The event's currency {evt.Currency} is not the payment's {payment.Currency}.");
        if (evt.Type != WebhookEvent.Refunded && evt.Amount != payment.Amount)
        {
            return Problem.Of(ProblemTypes.PaymentMismatch,
                $"The event's amount {evt.Amount} {evt.Currency} is not the payment's {BillingJson.Money(payment.Amount, payment.Currency)}.");
        }

        string outcome;
        switch (evt.Type)
        {
            case WebhookEvent.Succeeded when payment.Status == PaymentStatus.Pending:
                await CompleteAsync(conn, tx, payment, evt.ProviderPaymentId, evt.Id, peers, logger, now, ct);
                outcome = Applied;
                break;
            case WebhookEvent.Failed when payment.Status == PaymentStatus.Pending:
                await WebhooksStore.FailAsync(conn, tx, payment.Id, evt.Reason ?? "", evt.ProviderPaymentId, now, ct);
                await AuditStore.AddAsync(conn, tx, null, "payment.failed", AuditStore.Target("payment", payment.Id),
                    BillingJson.Meta(new JsonObject { ["event"] = evt.Id, ["reason"] = evt.Reason }), ct);
                outcome = Applied;
                break;
            case WebhookEvent.Refunded when PaymentStatus.IsRefundable(payment.Status):
                if (Currencies.TryGetMinorUnits(payment.Currency, out int minor, out _) && Currencies.CheckAmount(evt.Amount!.Value, minor) is { } amountError)
                    return Problem.Validation("amount", amountError);
                (_, ProblemHttpResult? refused) = await PaymentRefunds.RefundAsync(conn, tx, payment, evt.Amount, evt.Reason ?? "refunded by the provider", null, now, ct);
                if (refused is not null) return refused;
                outcome = Applied;
                break;
            case WebhookEvent.Refunded when payment.Status == PaymentStatus.Pending:
                return Problem.Of(ProblemTypes.PaymentState, "A refund was reported for a payment that never succeeded here.");
            default:
                // The payment is already past the state this event would move it to: the same outcome arrived under
                // another event id (a provider retry with a new id), or a late failure after success. Recorded, no change.
                outcome = NoChange;
                break;
        }
        await WebhooksStore.SetOutcomeAsync(conn, tx, provider, evt.Id, outcome, payment.Id, ct);
        await tx.CommitAsync(ct);
        return Ack(logger, provider, evt, outcome);
    }

    private static Ok<WebhookAck> Ack(ILogger logger, string provider, WebhookEvent evt, string outcome)
    {
        WebhooksLog.Handled(logger, provider, evt.Id, evt.Type, outcome);
        return TypedResults.Ok(new WebhookAck(evt.Id, outcome));
    }

    private static ProblemHttpResult TooLarge(int max)
        => Problem.Of(ProblemTypes.PayloadTooLarge, $"The webhook body is larger than {max} bytes (Billing:WebhookMaxBodyBytes).");
}
