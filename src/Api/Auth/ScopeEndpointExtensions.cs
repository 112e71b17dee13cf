namespace Vpn.Perf.Api.Auth;

/// <summary>How endpoint groups state what an API key needs to call them (beside their role policy).</summary>
internal static class ScopeEndpointExtensions
{
    /// <summary>API keys need <paramref name="scope"/> (one of <see cref="ApiScopes"/>); sessions are judged by role alone.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!ApiScopes.IsKnown(scope)) throw new ArgumentException($"'{scope}' is not one of ApiScopes.All.", nameof(scope));
        var metadata = new RequiredScope(scope);
        return builder.WithMetadata(metadata);
    }

    /// <summary>Only a signed-in session (access token) may call these; an API key gets 403.</summary>
    public static TBuilder RequireSession<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(RequiredScope.SessionOnly);
}
