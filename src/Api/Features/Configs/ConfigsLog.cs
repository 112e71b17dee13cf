namespace Vpn.Perf.Api.Features.Configs;

internal static partial class ConfigsLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbound {Node}/{Tag} of subscription {SubscriptionId} is left out of its config: {Reason}")]
    public static partial void InboundSkipped(ILogger logger, Guid subscriptionId, string node, string tag, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The stored config template (version {Version}) is invalid; rendering with the shipped default. {Errors}")]
    public static partial void StoredTemplateInvalid(ILogger logger, long version, string errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscription {SubscriptionId} has an invalid traffic reset period; usage is read as never resetting. {Reason}")]
    public static partial void BadResetPeriod(ILogger logger, Guid subscriptionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage of subscription {SubscriptionId} could not be read from Redis; subscription-userinfo is left out")]
    public static partial void UsageUnavailable(ILogger logger, Exception exception, Guid subscriptionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Config template saved as version {Version} by {ActorId}")]
    public static partial void TemplateSaved(ILogger logger, long version, Guid actorId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Config format rules saved as version {Version} by {ActorId}")]
    public static partial void FormatRulesSaved(ILogger logger, long version, Guid actorId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The stored config format rules (version {Version}) are invalid; choosing with the shipped rules. {Errors}")]
    public static partial void StoredFormatRulesInvalid(ILogger logger, long version, string errors);
}
