namespace VisionFactory.Server.Security;

/// <summary>Who asks for a change, as the audit log records it: the user's name and network address when known.</summary>
public sealed record Caller(string? UserName, string? Address)
{
    public static Caller Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new(context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null, AddressOf(context));
    }

    public static string? AddressOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Connection.RemoteIpAddress?.ToString();
    }
}
