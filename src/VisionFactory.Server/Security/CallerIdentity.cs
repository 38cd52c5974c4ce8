using System.Security.Claims;
using VisionFactory.Domain.Users;

namespace VisionFactory.Server.Security;

/// <summary>Fills the services' <see cref="Caller"/> from a signed-in user (cookie or API key).</summary>
public static class CallerIdentity
{
    /// <summary>Acts as <paramref name="user"/>: its name and its role claim; nobody when it is not signed in.</summary>
    public static void ActAs(this Caller caller, ClaimsPrincipal? user)
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
