namespace Vpn.Perf.Api.Features.Mail;

internal static class MailSetup
{
    /// <summary>
    /// The mail outbox (<see cref="MailOutbox"/>, which the features that send mail call in their transactions), its
    /// templates and its sender (docs/mail.md). The settings are validated here, at start; without
    /// <c>Mail:Smtp:Host</c> mail is queued and the sender says once that it does not run.
    /// </summary>
    public static IServiceCollection AddMail(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(MailOptions.Section).Get<MailOptions>() ?? new MailOptions();
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton<MailTemplates>();
        services.AddSingleton<MailOutbox>();
        services.AddSingleton<MailTransport>();
        services.AddHostedService<MailSender>();
        return services;
    }
}
