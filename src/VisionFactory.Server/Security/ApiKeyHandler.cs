using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace VisionFactory.Server.Security;

/// <summary>Authenticates <c>Authorization: Bearer vf_...</c> (or <c>X-Api-Key: vf_...</c>) as the key's owner.</summary>
public sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>The key a request carries, or null.</summary>
    public static string? KeyOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.Authorization.ToString() is { } authorization
            && authorization.StartsWith("Bearer " + AccountService.KeyPrefix, StringComparison.Ordinal))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        return request.Headers["X-Api-Key"].ToString() is { Length: > 0 } key ? key.Trim() : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (KeyOf(Request) is not { } key)
        {
            return AuthenticateResult.NoResult();
        }

        var accounts = Context.RequestServices.GetRequiredService<AccountService>();
        var user = await accounts.FindByKeyAsync(key, Context.RequestAborted).ConfigureAwait(false);
        return user is null
            ? AuthenticateResult.Fail("the API key is unknown or revoked")
            : AuthenticateResult.Success(new AuthenticationTicket(Policies.PrincipalOf(user, SchemeName), SchemeName));
    }
}
