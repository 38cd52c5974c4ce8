using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using VisionFactory.Domain.Users;

namespace VisionFactory.Server.Security;

// Domain.Users.Caller is named in full here: the security namespace may hold a type of the same short name.

/// <summary>Fills the services' <see cref="Domain.Users.Caller"/> from a signed-in user (cookie or API key).</summary>
public static class CallerIdentity
{
    /// <summary>A caller acting as the user of a component's authentication state (nobody without one).</summary>
    public static async Task<Domain.Users.Caller> OfAsync(Task<AuthenticationState>? state)
    {
        var caller = new Domain.Users.Caller();
        caller.ActAs(state is null ? null : (await state.ConfigureAwait(false)).User);
        return caller;
    }

    /// <summary>Acts as <paramref name="user"/>: its name and its role claim; nobody when it is not signed in.</summary>
    public static void ActAs(this Domain.Users.Caller caller, ClaimsPrincipal? user)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (user?.Identity is not { IsAuthenticated: true } identity)
        {
            caller.ActAs(null, null);
            return;
        }

        // The highest role claimed; a claim that names no role grants nothing.
        var role = user.FindAll(ClaimTypes.Role)
            .Select(c => Enum.TryParse<Role>(c.Value, ignoreCase: false, out var r) && Enum.IsDefined(r) ? r : (Role?)null)
            .Max();
        caller.ActAs(identity.Name, role);
    }
}
