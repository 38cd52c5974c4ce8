using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using VisionFactory.Domain;
using VisionFactory.Domain.Audit;
using VisionFactory.Domain.Users;
using VisionFactory.Storage.Audit;

namespace VisionFactory.Server.Security;

/// <summary>First-run set-up, sign-in and sign-out, passwords, users and the audit log (administrators only) and API keys.</summary>
public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var setup = app.MapGroup("/api/setup").WithTags("Accounts").AllowAnonymous();
        setup.MapGet("", async (AccountService accounts, CancellationToken ct) =>
                TypedResults.Ok(new SetupStatus(await accounts.NeedsSetupAsync(ct).ConfigureAwait(false), accounts.SetupNeedsToken)))
            .WithName("GetSetup").WithSummary("Whether this installation still needs its administrator.");
        setup.MapPost("", SetUp).WithName("SetUp")
            .WithSummary("Creates the administrator on a fresh installation (there is no default password) and signs them in.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);

        var auth = app.MapGroup("/api/auth").WithTags("Accounts");
        auth.MapPost("/login", SignIn).AllowAnonymous().WithName("SignIn")
            .WithSummary("Signs in with a user name and password; sets the sign-in cookie. Repeated wrong passwords lock the name out for a while (429 with Retry-After).")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status429TooManyRequests);
        auth.MapPost("/password", ChangePassword).RequireAuthorization(Policies.Viewer).WithName("ChangePassword")
            .WithSummary("Changes the caller's own password (the current one is required); the caller's other sessions end.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
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
        users.MapPost("", async (NewUser? body, AccountService accounts, HttpContext context, CancellationToken ct) =>
        {
            var user = await accounts.CreateAsync(body?.UserName, body?.Password, body?.Role ?? Role.Viewer, Caller.Of(context), ct).ConfigureAwait(false);
            return TypedResults.Created($"/api/users/{user.Id}", UserView.Of(user));
        }).WithName("CreateUser").WithSummary("Creates a user with a role: viewer (default), editor or admin.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        users.MapPut("/{id:guid}/role", async (Guid id, RoleChange? body, AccountService accounts, HttpContext context, CancellationToken ct) =>
            TypedResults.Ok(UserView.Of(await accounts.SetRoleAsync(id, body?.Role ?? throw ProblemException.Invalid("'role' is required: viewer, editor or admin"), Caller.Of(context), ct).ConfigureAwait(false))))
            .WithName("SetUserRole").WithSummary("Changes a user's role (their sessions end within a minute); the last administrator stays one.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        users.MapPost("/{id:guid}/disable", async (Guid id, AccountService accounts, HttpContext context, CancellationToken ct) =>
            TypedResults.Ok(UserView.Of(await accounts.SetDisabledAsync(id, true, Caller.Of(context), ct).ConfigureAwait(false))))
            .WithName("DisableUser").WithSummary("Disables a user: their sessions end within a minute and their API keys stop working.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        users.MapPost("/{id:guid}/enable", async (Guid id, AccountService accounts, HttpContext context, CancellationToken ct) =>
            TypedResults.Ok(UserView.Of(await accounts.SetDisabledAsync(id, false, Caller.Of(context), ct).ConfigureAwait(false))))
            .WithName("EnableUser").WithSummary("Enables a disabled user again.").ProducesProblem(StatusCodes.Status404NotFound);
        users.MapPut("/{id:guid}/password", async (Guid id, PasswordReset? body, AccountService accounts, HttpContext context, CancellationToken ct) =>
            TypedResults.Ok(UserView.Of(await accounts.ResetPasswordAsync(id, body?.Password, Caller.Of(context), ct).ConfigureAwait(false))))
            .WithName("ResetUserPassword").WithSummary("Sets a new password for a user; their sessions end and a lockout is lifted.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        users.MapDelete("/{id:guid}", async (Guid id, AccountService accounts, HttpContext context, CancellationToken ct) =>
        {
            await accounts.DeleteAsync(id, Caller.Of(context), ct).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).WithName("DeleteUser").WithSummary("Deletes a user and their API keys; not the last administrator, nor the caller.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        app.MapGet("/api/audit", async (int? limit, AuditLog audit, CancellationToken ct) =>
        {
            if (limit is < 1 or > AuditLog.MaxLimit)
            {
                throw ProblemException.Invalid($"'limit' must be 1 to {AuditLog.MaxLimit}");
            }

            return TypedResults.Ok((await audit.LatestAsync(limit ?? 100, ct).ConfigureAwait(false)).Select(AuditView.Of).ToList());
        }).RequireAuthorization(Policies.Admin).WithTags("Accounts").WithName("GetAuditLog")
            .WithSummary("The audit log, newest first (administrators only): sign-ins, user, role and key changes, dataset deletions, pipeline starts.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        var keys = app.MapGroup("/api/keys").WithTags("Accounts").RequireAuthorization(Policies.Viewer);
        keys.MapGet("", async (ClaimsPrincipal user, AccountService accounts, CancellationToken ct) =>
            TypedResults.Ok((await accounts.ListKeysAsync(user.UserId(), ct).ConfigureAwait(false)).Select(KeyView.Of).ToList()))
            .WithName("ListApiKeys").WithSummary("Lists the caller's API keys (never the keys themselves).");
        keys.MapPost("", async (NewKey? body, ClaimsPrincipal user, AccountService accounts, HttpContext context, CancellationToken ct) =>
        {
            var (key, secret) = await accounts.CreateKeyAsync(user.UserId(), body?.Name, Caller.Of(context), ct).ConfigureAwait(false);
            return TypedResults.Created($"/api/keys/{key.Id}", new CreatedKey(KeyView.Of(key), secret));
        }).WithName("CreateApiKey").WithSummary("Makes an API key acting with the caller's role; the key is shown only in this answer.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        keys.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, AccountService accounts, HttpContext context, CancellationToken ct) =>
        {
            await accounts.RevokeKeyAsync(id, user.IsInRole(nameof(Role.Admin)) ? null : user.UserId(), Caller.Of(context), ct).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).WithName("RevokeApiKey").WithSummary("Revokes an API key (an administrator may revoke anyone's).").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Created<UserView>> SetUp(NewUser? body, AccountService accounts, HttpContext context, CancellationToken cancellationToken)
    {
        var user = await accounts.SetUpAsync(body?.UserName, body?.Password, body?.SetupToken, Caller.Of(context), cancellationToken).ConfigureAwait(false);
        await SignInAsync(context, user).ConfigureAwait(false);
        return TypedResults.Created($"/api/users/{user.Id}", UserView.Of(user));
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> SignIn(
        Credentials? body, AccountService accounts, HttpContext context, CancellationToken cancellationToken)
    {
        var outcome = await accounts.SignInAsync(body?.UserName, body?.Password, Caller.Of(context), cancellationToken).ConfigureAwait(false);
        if (outcome.User is { } user)
        {
            await SignInAsync(context, user).ConfigureAwait(false);
            return TypedResults.Ok(UserView.Of(user));
        }

        if (outcome.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(outcome.Message, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed sign-ins");
        }

        return outcome == SignInOutcome.Disabled
            ? TypedResults.Problem(outcome.Message, statusCode: StatusCodes.Status403Forbidden, title: "Not signed in")
            : TypedResults.Problem(outcome.Message, statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in");
    }

    private static async Task<NoContent> ChangePassword(PasswordChange? body, ClaimsPrincipal principal, AccountService accounts, HttpContext context, CancellationToken cancellationToken)
    {
        var user = await accounts.ChangePasswordAsync(principal.UserId(), body?.CurrentPassword, body?.NewPassword, Caller.Of(context), cancellationToken).ConfigureAwait(false);

        // The new stamp ends every other session; this one carries on with a cookie that holds it.
        if (principal.SignedInWithCookie())
        {
            await SignInAsync(context, user).ConfigureAwait(false);
        }

        return TypedResults.NoContent();
    }

    private static Task SignInAsync(HttpContext context, User user) =>
        context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Policies.PrincipalOf(user, CookieAuthenticationDefaults.AuthenticationScheme));
}

/// <param name="NeedsSetup">True until the administrator has been created.</param>
/// <param name="NeedsToken">True when set-up needs the one-time token the server wrote to its log.</param>
public sealed record SetupStatus(bool NeedsSetup, bool NeedsToken);

/// <param name="UserName">The user name (unique, case-insensitive).</param>
/// <param name="Password">At least 10 characters.</param>
/// <param name="Role">viewer (default), editor or admin; ignored by set-up, which makes an administrator.</param>
/// <param name="SetupToken">Set-up only, when the server asks for it: the one-time token from the server's log.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NewUser(string? UserName, string? Password, Role? Role = null, string? SetupToken = null);

/// <param name="Password">The user's new password, at least 10 characters.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PasswordReset(string? Password);

/// <param name="CurrentPassword">The caller's password now.</param>
/// <param name="NewPassword">The new one, at least 10 characters.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PasswordChange(string? CurrentPassword, string? NewPassword);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record Credentials(string? UserName, string? Password);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RoleChange(Role? Role);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NewKey(string? Name);

public sealed record AntiforgeryToken(string Token, string HeaderName);

public sealed record CurrentUser(Guid Id, string UserName, Role Role);

/// <summary>A user as listed; <c>disabled_at</c> is present only while an administrator has disabled the account.</summary>
public sealed record UserView(Guid Id, string UserName, Role Role, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt)
{
    public static UserView Of(User user) => new(user.Id, user.UserName, user.Role, user.CreatedAt, user.DisabledAt);
}

/// <summary>
/// One audit event: <c>action</c> is sign_in, sign_in_failed, set_up, user_created, role_changed, user_disabled,
/// user_enabled, user_deleted, password_reset, password_changed, key_created, key_revoked, dataset_deleted,
/// pipeline_started or settings_changed; <c>actor</c> who did it (for a failed sign-in, the name that was tried), <c>target</c> what it was
/// done to, <c>address</c> the caller's network address.
/// </summary>
public sealed record AuditView(long Id, DateTimeOffset At, string Action, string? Actor, string? Target, string? Detail, string? Address)
{
    public static AuditView Of(AuditEntry entry) => new(entry.Id, entry.At, entry.Action, entry.Actor, entry.Target, entry.Detail, entry.Address);
}

public sealed record KeyView(Guid Id, string Name, string Prefix, string? Owner, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public static KeyView Of(ApiKey key) => new(key.Id, key.Name, key.Prefix, key.User?.UserName, key.CreatedAt, key.RevokedAt);
}

/// <param name="ApiKey">The key as listed.</param>
/// <param name="Key">The key itself: send it as <c>Authorization: Bearer &lt;key&gt;</c>. It is not shown again.</param>
public sealed record CreatedKey(KeyView ApiKey, string Key);
