namespace VisionFactory.Domain.Users;

/// <summary>
/// Who is asking a service to change something. The services that change data check it themselves
/// (<see cref="Require"/>), so the API, the web UI and the CLI meet the same rule and no page can forget it. The web
/// host fills it from the signed-in user or API key of each request and each UI connection; the CLI acts as the
/// operator of the machine (<see cref="Operator"/>). Until it is filled, it has no role and every change is refused.
/// </summary>
public sealed class Caller
{
    /// <summary>The user name, or null when nobody is signed in.</summary>
    public string? Name { get; private set; }

    /// <summary>The role, or null when nobody is signed in.</summary>
    public Role? Role { get; private set; }

    /// <summary>The network address the caller connects from (the request's, or the UI connection's), when known; the audit log records it.</summary>
    public string? Address { get; private set; }

    /// <summary>
    /// The person at the machine's command line, or a service of the host acting for the administrator who set it up
    /// (the FTP inbox): the data directory is theirs, so every change is allowed.
    /// </summary>
    public static Caller Operator(string? name = null) => new() { Name = name ?? "the local operator", Role = Users.Role.Admin };

    /// <summary>Acts as this user from now on (null: nobody).</summary>
    public void ActAs(string? name, Role? role)
    {
        Name = role is null ? null : name;
        Role = role;
    }

    /// <summary>Records the network address the caller connects from.</summary>
    public void ConnectedFrom(string? address) => Address = address;

    /// <summary>Whether the caller has <paramref name="needed"/> or a role above it.</summary>
    public bool Has(Role needed) => Role is { } role && role >= needed;

    /// <summary>Refuses (403) when the caller's role is below <paramref name="needed"/>; <paramref name="action"/> says what was asked ("start a pipeline").</summary>
    public void Require(Role needed, string action)
    {
        if (!Has(needed))
        {
            var who = Role is { } role ? $"{Name} has the {Describe(role)} role" : "nobody is signed in";
            throw ProblemException.Forbidden($"to {action} needs the {Describe(needed)} role; {who}");
        }
    }

    private static string Describe(Role role) => role.ToString().ToLowerInvariant();
}
