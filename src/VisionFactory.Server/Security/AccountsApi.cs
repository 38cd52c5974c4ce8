using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Domain;
using VisionFactory.Domain.Users;

namespace VisionFactory.Server.Security;

/// <summary>First-run set-up, sign-in and sign-out, users (administrators only) and API keys.</summary>
public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var setup = app.MapGroup("/api/setup").WithTags("Accounts").AllowAnonymous();
        setup.MapGet("", async (AccountService accounts, CancellationToken ct) => TypedResults.Ok(new SetupStatus(await accounts.NeedsSetupAsync(ct).ConfigureAwait(false))))
            .WithName("GetSetup").WithSummary("Whether this installation still needs its administrator.");
        setup.MapPost("", SetUp).WithName("SetUp")
            .WithSummary("Creates the administrator on a fresh installation (there is no default password) and signs them in.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);

        var auth = app.MapGroup("/api/auth").WithTags("Accounts");
        auth.MapPost("/login", SignIn).AllowAnonymous().WithName("SignIn")
            .WithSummary("Signs in with a user name and password; sets the sign-in cookie.").ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).RequireAuthorization(Policies.Viewer).WithName("SignOut").WithSummary("Signs out: removes the sign-in cookie.");
        auth.MapGet("/antiforgery", (HttpContext context, IAntiforgery antiforgery) =>
            TypedResults.Ok(new AntiforgeryToken(antiforgery.GetAndStoreTokens(context).RequestToken!, SecurityRegistration.AntiforgeryHeader)))
            .RequireAuthorization(Policies.Viewer).WithName("GetAntiforgeryToken")
            .WithSummary("The token to send in the X-XSRF-TOKEN header with changes made with the sign-in cookie.");

        app.MapGet("/api/me", (ClaimsPrincipal user) => TypedResults.Ok(new CurrentUser(user.UserId(), user.Identity!.Name!, Enum.Parse<Role>(user.FindFirstValue(ClaimTypes.Role)!))))
            .RequireAuthorization(Policies.Viewer).WithTags("Accounts").WithName("GetMe").WithSummary("Who is calling, and with which role.");

        var users = app.MapGroup("/api/users").WithTags("Accounts").RequireAuthorization(Policies.Admin);
        users.MapGet("", async (AccountService accounts, CancellationToken ct) =>
            TypedResults.Ok((await accounts.ListUsersAsync(ct).ConfigureAwait(false)).Select(UserView.Of).ToList()))
            .WithName("ListUsers").WithSummary("Lists the users (administrators only).");
        users.MapPost("", async (NewUser? body, AccountService accounts, CancellationToken ct) =>
        {
            var user = await accounts.CreateAsync(body?.UserName, body?.Password, body?.Role ?? Role.Viewer, ct).ConfigureAwait(false);
            return TypedResults.Created($"/api/users/{user.Id}", UserView.Of(user));
        }).WithName("CreateUser").WithSummary("Creates a user with a role: viewer (default), editor or admin.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        users.MapPut("/{id:guid}/role", async (Guid id, RoleChange? body, AccountService accounts, CancellationToken ct) =>
            TypedResults.Ok(UserView.Of(await accounts.SetRoleAsync(id, body?.Role ?? throw ProblemException.Invalid("'role' is required: viewer, editor or admin"), ct).ConfigureAwait(false))))
            .WithName("SetUserRole").WithSummary("Changes a user's role; the last administrator stays one.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var keys = app.MapGroup("/api/keys").WithTags("Accounts").RequireAuthorization(Policies.Viewer);
        keys.MapGet("", async (ClaimsPrincipal user, AccountService accounts, CancellationToken ct) =>
            TypedResults.Ok((await accounts.ListKeysAsync(user.UserId(), ct).ConfigureAwait(false)).Select(KeyView.Of).ToList()))
            .WithName("ListApiKeys").WithSummary("Lists the caller's API keys (never the keys themselves).");
        keys.MapPost("", async (NewKey? body, ClaimsPrincipal user, AccountService accounts, CancellationToken ct) =>
        {
            var (key, secret) = await accounts.CreateKeyAsync(user.UserId(), body?.Name, ct).ConfigureAwait(false);
            return TypedResults.Created($"/api/keys/{key.Id}", new CreatedKey(KeyView.Of(key), secret));
        }).WithName("CreateApiKey").WithSummary("Makes an API key acting with the caller's role; the key is shown only in this answer.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        keys.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, AccountService accounts, CancellationToken ct) =>
        {
            await accounts.RevokeKeyAsync(id, user.IsInRole(nameof(Role.Admin)) ? null : user.UserId(), ct).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).WithName("RevokeApiKey").WithSummary("Revokes an API key (an administrator may revoke anyone's).").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Created<UserView>> SetUp(NewUser? body, AccountService accounts, HttpContext context, CancellationToken cancellationToken)
    {
        var user = await accounts.SetUpAsync(body?.UserName, body?.Password, cancellationToken).ConfigureAwait(false);
        await SignInAsync(context, user).ConfigureAwait(false);
        return TypedResults.Created($"/api/users/{user.Id}", UserView.Of(user));
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> SignIn(
        Credentials? body, AccountService accounts, HttpContext context, CancellationToken cancellationToken)
    {
        var user = await accounts.VerifyAsync(body?.UserName, body?.Password, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return TypedResults.Problem("wrong user name or password", statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in");
        }

        await SignInAsync(context, user).ConfigureAwait(false);
        return TypedResults.Ok(UserView.Of(user));
    }

    private static Task SignInAsync(HttpContext context, User user) =>
        context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Policies.PrincipalOf(user, CookieAuthenticationDefaults.AuthenticationScheme));
}

/// <param name="NeedsSetup">True until the administrator has been created.</param>
public sealed record SetupStatus(bool NeedsSetup);

/// <param name="UserName">The user name (unique, case-insensitive).</param>
/// <param name="Password">At least 10 characters.</param>
/// <param name="Role">viewer (default), editor or admin; ignored by set-up, which makes an administrator.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NewUser(string? UserName, string? Password, Role? Role = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record Credentials(string? UserName, string? Password);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RoleChange(Role? Role);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NewKey(string? Name);

public sealed record AntiforgeryToken(string Token, string HeaderName);

public sealed record CurrentUser(Guid Id, string UserName, Role Role);

public sealed record UserView(Guid Id, string UserName, Role Role, DateTimeOffset CreatedAt)
{
    public static UserView Of(User user) => new(user.Id, user.UserName, user.Role, user.CreatedAt);
}

public sealed record KeyView(Guid Id, string Name, string Prefix, string? Owner, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public static KeyView Of(ApiKey key) => new(key.Id, key.Name, key.Prefix, key.User?.UserName, key.CreatedAt, key.RevokedAt);
}

/// <param name="ApiKey">The key as listed.</param>
/// <param name="Key">The key itself: send it as <c>Authorization: Bearer &lt;key&gt;</c>. It is not shown again.</param>
public sealed record CreatedKey(KeyView ApiKey, string Key);
