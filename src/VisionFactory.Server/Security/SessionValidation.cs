using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace VisionFactory.Server.Security;

/// <summary>
/// Ends sign-in sessions whose user changed: the cookie (and a live UI connection) is checked against the user's
/// security stamp at least every <see cref="SecurityOptions.SessionCheckInterval"/>, so a role change, a disable or a
/// password change reaches every open session within that time.
/// </summary>
public static class SessionValidation
{
    /// <summary>For <see cref="CookieAuthenticationEvents.OnValidatePrincipal"/>.</summary>
    public static async Task ValidateCookieAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.HttpContext.RequestServices;
        var interval = services.GetRequiredService<IOptions<SecurityOptions>>().Value.SessionCheckInterval;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (context.Properties.IssuedUtc is { } issued && now - issued < interval)
        {
            return;
        }

        var user = context.Principal is { } principal ? await CurrentUserAsync(services.GetRequiredService<AccountService>(), principal, context.HttpContext.RequestAborted).ConfigureAwait(false) : null;
        if (user is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return;
        }

        // Re-issued with a new IssuedUtc: the next check is one interval from now.
        context.ReplacePrincipal(Policies.PrincipalOf(user, CookieAuthenticationDefaults.AuthenticationScheme));
        context.ShouldRenew = true;
    }

    /// <summary>The principal's user while its stamp is current, its account enabled and its role unchanged; else null.</summary>
    public static async Task<Domain.Users.User?> CurrentUserAsync(AccountService accounts, ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(principal);
        if (!Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
        {
            return null;
        }

        var user = await accounts.FindSessionUserAsync(id, principal.FindFirstValue(Policies.StampClaim), cancellationToken).ConfigureAwait(false);
        return user is not null && principal.IsInRole(user.Role.ToString()) ? user : null;
    }
}

/// <summary>Checks a live UI connection's user the same way, so an open page loses its rights too.</summary>
internal sealed class RevalidatingSessionStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<SecurityOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => options.Value.SessionCheckInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        return await SessionValidation.CurrentUserAsync(accounts, authenticationState.User, cancellationToken).ConfigureAwait(false) is not null;
    }
}
