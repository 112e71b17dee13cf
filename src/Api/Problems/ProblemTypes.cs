namespace Vpn.Perf.Api.Problems;

/// <summary>
/// The catalogue of every problem the Api answers with. Clients branch on <c>code</c> (also the last segment of
/// <c>type</c>); titles never change once published. A test asserts codes and types are unique.
/// </summary>
internal static class ProblemTypes
{
    public static readonly ProblemType Validation = new("validation", "One or more fields are invalid.", StatusCodes.Status400BadRequest);
    public static readonly ProblemType BadRequest = new("bad-request", "The request could not be understood.", StatusCodes.Status400BadRequest);
    public static readonly ProblemType Unauthenticated = new("unauthenticated", "Authentication is required.", StatusCodes.Status401Unauthorized);
    public static readonly ProblemType InvalidCredentials = new("invalid-credentials", "The credentials are not valid.", StatusCodes.Status401Unauthorized);
    public static readonly ProblemType InvalidToken = new("invalid-token", "The token is not valid.", StatusCodes.Status401Unauthorized);
    public static readonly ProblemType Forbidden = new("forbidden", "You are not allowed to do this.", StatusCodes.Status403Forbidden);
    public static readonly ProblemType AccountTokenInvalid = new("account-token-invalid", "The link is not valid: it is wrong, has expired or was already used.", StatusCodes.Status400BadRequest);
    public static readonly ProblemType EmailNotVerified = new("email-not-verified", "The email address of this account is not verified.", StatusCodes.Status403Forbidden);
    public static readonly ProblemType EmailAlreadyVerified = new("email-already-verified", "The email address of this account is already verified.", StatusCodes.Status409Conflict);
    public static readonly ProblemType SubscriptionSuspended = new("subscription-suspended", "The subscription is suspended.", StatusCodes.Status403Forbidden);
    public static readonly ProblemType SubscriptionExpired = new("subscription-expired", "The subscription has expired.", StatusCodes.Status403Forbidden);
    public static readonly ProblemType DeviceIdRequired = new("device-id-required", "The app must identify the device (x-hwid).", StatusCodes.Status403Forbidden);
    public static readonly ProblemType NotFound = new("not-found", "The resource was not found.", StatusCodes.Status404NotFound);
    public static readonly ProblemType Conflict = new("conflict", "The resource already exists.", StatusCodes.Status409Conflict);
    public static readonly ProblemType ReferenceMissing = new("reference-missing", "A referenced resource does not exist.", StatusCodes.Status409Conflict);
    public static readonly ProblemType StaleVersion = new("stale-version", "The resource was changed by someone else.", StatusCodes.Status412PreconditionFailed);
    public static readonly ProblemType PayloadTooLarge = new("payload-too-large", "The request body is too large.", StatusCodes.Status413PayloadTooLarge);
    public static readonly ProblemType UnsupportedMediaType = new("unsupported-media-type", "The content type is not supported.", StatusCodes.Status415UnsupportedMediaType);
    public static readonly ProblemType TooManyRequests = new("too-many-requests", "Too many requests; retry later.", StatusCodes.Status429TooManyRequests);
    public static readonly ProblemType QuotaExhausted = new("quota-exhausted", "The API key's daily request quota is used up.", StatusCodes.Status429TooManyRequests);
    public static readonly ProblemType WebhookSignatureInvalid = new("webhook-signature-invalid", "The webhook signature is missing or does not match.", StatusCodes.Status400BadRequest);
    public static readonly ProblemType WebhookTimestampOutOfTolerance = new("webhook-timestamp-out-of-tolerance", "The webhook timestamp is outside the tolerance window.", StatusCodes.Status400BadRequest);
    public static readonly ProblemType PaymentMismatch = new("payment-mismatch", "The event does not match the payment.", StatusCodes.Status409Conflict);
    public static readonly ProblemType PaymentState = new("payment-state", "The payment is not in a state that allows this.", StatusCodes.Status409Conflict);
    public static readonly ProblemType RefundExceedsPayment = new("refund-exceeds-payment", "The refunds would exceed the amount paid.", StatusCodes.Status409Conflict);
    public static readonly ProblemType PlanNotAvailable = new("plan-not-available", "The plan is not on sale.", StatusCodes.Status409Conflict);
    public static readonly ProblemType ResellerQuota = new("reseller-quota", "The reseller's quota does not allow this.", StatusCodes.Status409Conflict);
    public static readonly ProblemType IdempotencyKeyReused = new("idempotency-key-reused", "The idempotency key was used for a different request.", StatusCodes.Status422UnprocessableEntity);
    public static readonly ProblemType WireGuardPoolExhausted = new("wireguard-pool-exhausted", "The WireGuard inbound's address pool has no free address.", StatusCodes.Status409Conflict);
    public static readonly ProblemType WireGuardNotConfigured = new("wireguard-not-configured", "WireGuard peers need WireGuard:KeyEncryptionKey, which this server lacks.", StatusCodes.Status409Conflict);
    public static readonly ProblemType Internal = new("internal", "An unexpected error occurred.", StatusCodes.Status500InternalServerError);
    public static readonly ProblemType Unavailable = new("unavailable", "A backing service is unavailable; retry later.", StatusCodes.Status503ServiceUnavailable);

    public static readonly IReadOnlyList<ProblemType> All =
    [
        Validation, BadRequest, Unauthenticated, InvalidCredentials, InvalidToken, Forbidden, AccountTokenInvalid, EmailNotVerified,
        EmailAlreadyVerified, SubscriptionSuspended,
        SubscriptionExpired, DeviceIdRequired, NotFound, Conflict, ReferenceMissing, StaleVersion, PayloadTooLarge, UnsupportedMediaType,
        TooManyRequests, QuotaExhausted, WebhookSignatureInvalid, WebhookTimestampOutOfTolerance, PaymentMismatch, PaymentState, RefundExceedsPayment,
        PlanNotAvailable, ResellerQuota, IdempotencyKeyReused, WireGuardPoolExhausted, WireGuardNotConfigured, Internal, Unavailable,
    ];

    /// <summary>The catalogue entry for a bare status code (status-code pages, framework rejections).</summary>
    public static ProblemType ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => BadRequest,
        StatusCodes.Status401Unauthorized => Unauthenticated,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status409Conflict => Conflict,
        StatusCodes.Status412PreconditionFailed => StaleVersion,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => TooManyRequests,
        StatusCodes.Status503ServiceUnavailable => Unavailable,
        _ => Internal,
    };
}
