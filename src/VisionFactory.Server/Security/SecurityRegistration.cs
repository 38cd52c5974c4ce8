using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
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

    /// <summary>Sign-in, API keys and roles; <see cref="SecurityOptions"/> are bound with the other settings (<c>AddVisionFactorySettings</c>).</summary>
    public static IServiceCollection AddVisionFactorySecurity(this IServiceCollection services)
    {
        services.AddScoped<AccountService>();
        services.AddSingleton<SignInLockouts>();
        services.AddSingleton<SetupToken>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddScoped<Domain.Users.Caller>();
        services.AddHttpContextAccessor();
        services.AddScoped<UiConnection>();
        services.AddScoped<CircuitHandler, UiConnection.Tracker>();
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

                // A role change, a disable or a new password ends older sessions at their next check.
                o.Events.OnValidatePrincipal = SessionValidation.ValidateCookieAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyHandler.SchemeName, null);
        services.AddAuthorization(Policies.Add);
        services.AddAntiforgery(o => o.HeaderName = AntiforgeryHeader);
        services.AddScoped<AuthenticationStateProvider, RevalidatingSessionStateProvider>();
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(PartitionOf);
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>
    /// Per network address: sign-in and set-up attempts (API and pages together), and requests that carry an API
    /// key, each within a minute's allowance; anything else is not limited here.
    /// </summary>
    private static RateLimitPartition<string> PartitionOf(HttpContext context)
    {
        var request = context.Request;
        var address = Caller.AddressOf(context) ?? "unknown";
        if (HttpMethods.IsPost(request.Method)
            && (request.Path.Equals("/api/auth/login", StringComparison.OrdinalIgnoreCase) || request.Path.Equals("/api/setup", StringComparison.OrdinalIgnoreCase)
                || request.Path.Equals("/account/login", StringComparison.OrdinalIgnoreCase) || request.Path.Equals("/account/setup", StringComparison.OrdinalIgnoreCase)))
        {
            return RateLimitPartition.GetFixedWindowLimiter("sign-in " + address, _ => PerMinute(context, o => o.SignInAttemptsPerMinute));
        }

        return ApiKeyHandler.KeyOf(request) is not null
            ? RateLimitPartition.GetFixedWindowLimiter("api-key " + address, _ => PerMinute(context, o => o.ApiKeyRequestsPerMinute))
            : RateLimitPartition.GetNoLimiter("");
    }

    private static FixedWindowRateLimiterOptions PerMinute(HttpContext context, Func<SecurityOptions, int> permits) => new()
    {
        PermitLimit = permits(context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value),
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 60;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var detail = $"too many requests from your address; try again in {seconds} s";
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(char.ToUpperInvariant(detail[0]) + detail[1..] + ".", cancellationToken).ConfigureAwait(false);
            return;
        }

        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = detail },
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Authentication, authorization, and the anti-forgery check for API changes made with the sign-in cookie (a script
    /// with an API key needs none: a browser never sends the key on its own).
    /// </summary>
    public static WebApplication UseVisionFactorySecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRateLimiter();
        app.UseAuthentication();

        // The services that change data check the caller's role themselves: they act as this request's user.
        app.Use((context, next) =>
        {
            var caller = context.RequestServices.GetRequiredService<Domain.Users.Caller>();
            caller.ActAs(context.User);
            caller.ConnectedFrom(Caller.AddressOf(context));
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
