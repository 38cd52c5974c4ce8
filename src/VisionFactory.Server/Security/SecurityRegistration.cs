using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VisionFactory.Domain.Users;

namespace VisionFactory.Server.Security;

/// <summary>
/// Sign-in for people (a cookie, with anti-forgery tokens on every change made with it) and API keys for scripts;
/// every API route needs one of them, and a role that fits what it does.
/// </summary>
public static class SecurityRegistration
{
    public const string AntiforgeryHeader = "X-XSRF-TOKEN";

    public static IServiceCollection AddVisionFactorySecurity(this IServiceCollection services)
    {
        services.AddScoped<AccountService>();
        services.TryAddScoped<Domain.Users.Caller>();
        services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        services.AddAuthentication(Policies.Scheme)
            .AddPolicyScheme(Policies.Scheme, "API key or sign-in cookie", o => o.ForwardDefaultSelector = context =>
                ApiKeyHandler.KeyOf(context.Request) is null ? CookieAuthenticationDefaults.AuthenticationScheme : ApiKeyHandler.SchemeName)
            .AddCookie(o =>
            {
                o.Cookie.Name = "vf.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.LoginPath = "/account/login";
                o.AccessDeniedPath = "/account/login";

                // The API answers 401 / 403; only pages redirect to the sign-in page.
                o.Events.OnRedirectToLogin = context => Answer(context, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => Answer(context, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyHandler.SchemeName, null);
        services.AddAuthorization(Policies.Add);
        services.AddAntiforgery(o => o.HeaderName = AntiforgeryHeader);
        return services;
    }

    /// <summary>
    /// Authentication, authorization, and the anti-forgery check for API changes made with the sign-in cookie (a script
    /// with an API key needs none: a browser never sends the key on its own).
    /// </summary>
    public static WebApplication UseVisionFactorySecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();

        // The services that change data check the caller's role themselves: they act as this request's user.
        app.Use((context, next) =>
        {
            context.RequestServices.GetRequiredService<Domain.Users.Caller>().ActAs(context.User);
            return next(context);
        });
        app.UseAuthorization();
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.Path.StartsWithSegments("/api")
                && !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
                && context.User.SignedInWithCookie()
                && !await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context).ConfigureAwait(false))
            {
                throw Domain.ProblemException.Invalid(
                    $"this change was sent with the sign-in cookie but without a valid anti-forgery token: GET /api/auth/antiforgery and send its token in the {AntiforgeryHeader} header");
            }

            await next(context).ConfigureAwait(false);
        });
        return app;
    }

    private static Task Answer(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hubs"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
