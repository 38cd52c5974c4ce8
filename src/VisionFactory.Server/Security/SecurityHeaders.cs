namespace VisionFactory.Server.Security;

/// <summary>
/// Headers every response carries, pages, API, files and errors alike: a Content-Security-Policy that lets only this
/// server's own script files run (no inline script, no eval, no plugins, no framing, no foreign base or form target),
/// so that a name that slipped past encoding still cannot run; <c>nosniff</c>, so that a stored file is only ever read
/// as the type the server chose; and a referrer policy that keeps addresses (dataset and model names) on this server.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The policy. Styles may be inline: MudBlazor's theme and components and plotly.js set style attributes and
    /// style elements, and a style cannot run script. Images may be data: or blob: addresses (plotly's legends, previews
    /// made in the browser). The UI's SignalR connection goes back to this server ('self').
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The API reference (Scalar, under <c>/scalar</c>) starts itself with an inline module script it writes with its
    /// settings; it shows the OpenAPI document and no user data, so only there inline script is allowed.
    /// </summary>
    public const string ApiReferencePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public const string ReferrerPolicy = "strict-origin-when-cross-origin";

    /// <summary>Adds the headers to every response, including error answers written after an exception.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use((context, next) =>
        {
            // Set when the response starts: the exception handler clears headers set earlier before it writes its answer.
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/scalar") ? ApiReferencePolicy : ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = ReferrerPolicy;
                headers.XFrameOptions = "DENY";
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
    }
}
