using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using VisionFactory.Domain.Users;

namespace VisionFactory.Server.Security;

/// <summary>The authorization policies: each role includes the ones below it.</summary>
public static class Policies
{
    public const string Viewer = "viewer";
    public const string Editor = "editor";
    public const string Admin = "admin";

    /// <summary>Picks the API-key handler when a request carries a key, else the sign-in cookie.</summary>
    public const string Scheme = "VisionFactory";

    public static void Add(AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(Viewer, p => p.RequireAuthenticatedUser().RequireRole(nameof(Role.Viewer), nameof(Role.Editor), nameof(Role.Admin)));
        options.AddPolicy(Editor, p => p.RequireAuthenticatedUser().RequireRole(nameof(Role.Editor), nameof(Role.Admin)));
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().RequireRole(nameof(Role.Admin)));
        options.DefaultPolicy = options.GetPolicy(Viewer)!;
    }

    /// <summary>The claim that carries the user's security stamp in a sign-in cookie.</summary>
    public const string StampClaim = "vf:stamp";

    public static ClaimsPrincipal PrincipalOf(User user, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
                new Claim(ClaimTypes.Name, user.UserName),
                new Claim(ClaimTypes.Role, user.Role.ToString()),
                new Claim(StampClaim, user.SecurityStamp),
            ],
            authenticationType);
        return new ClaimsPrincipal(identity);
    }

    public static Guid UserId(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier)!);
    }

    public static bool SignedInWithCookie(this ClaimsPrincipal principal) =>
        principal?.Identity is { IsAuthenticated: true, AuthenticationType: CookieAuthenticationDefaults.AuthenticationScheme };

    /// <summary>
    /// Reads or writes need: a read (GET, HEAD) any role, a change the editor role. Applied to a group, it covers every
    /// endpoint in it, so a new endpoint cannot be forgotten.
    /// </summary>
    public static TBuilder RequireRoleByMethod<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var methods = endpoint.Metadata.OfType<Microsoft.AspNetCore.Routing.HttpMethodMetadata>().SelectMany(m => m.HttpMethods).ToList();
            var readOnly = methods.Count > 0 && methods.All(m => HttpMethods.IsGet(m) || HttpMethods.IsHead(m));
            endpoint.Metadata.Add(new AuthorizeAttribute(readOnly ? Viewer : Editor));
        });
        return builder;
    }
}
