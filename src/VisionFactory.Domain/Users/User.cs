namespace VisionFactory.Domain.Users;

/// <summary>What a person may do. Each role includes the ones below it.</summary>
public enum Role
{
    /// <summary>Sees everything: datasets, runs, models, the zoo.</summary>
    Viewer,

    /// <summary>Also changes things: imports, relabels, trains, cancels, deletes.</summary>
    Editor,

    /// <summary>Also manages users and their API keys.</summary>
    Admin,
}

/// <summary>A person who signs in to the UI, or owns API keys for scripts.</summary>
public sealed class User
{
    public const int MaxNameLength = 64;

    public Guid Id { get; init; } = Guid.NewGuid();

    public required string UserName { get; init; }

    /// <summary>Upper-cased user name: names are unique regardless of case.</summary>
    public required string NormalizedUserName { get; init; }

    /// <summary>ASP.NET Core Identity's password hash (PBKDF2 with a per-user salt).</summary>
    public required string PasswordHash { get; set; }

    public Role Role { get; set; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// A random value that changes whenever the role, the password or the disabled state changes. A sign-in cookie
    /// carries the stamp it was issued with; one whose stamp no longer matches ends at its next check.
    /// </summary>
    public string SecurityStamp { get; set; } = NewStamp();

    /// <summary>When an administrator disabled the account; a disabled user cannot sign in and their keys stop working.</summary>
    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>Wrong passwords since the last successful sign-in.</summary>
    public int FailedSignIns { get; set; }

    /// <summary>Until when sign-in is refused after repeated wrong passwords (even with the right one).</summary>
    public DateTimeOffset? LockedOutUntil { get; set; }

    public bool IsDisabled => DisabledAt is not null;

    /// <summary>Gives the user a new stamp: every session made before now ends at its next check.</summary>
    public void RenewStamp() => SecurityStamp = NewStamp();

    private static string NewStamp() => Guid.NewGuid().ToString("N");

    public static string Normalize(string userName)
    {
        ArgumentNullException.ThrowIfNull(userName);
        return userName.Trim().ToUpperInvariant();
    }

    /// <summary>Returns what is wrong with a user name, or null when it is fine.</summary>
    public static string? CheckName(string? userName) => userName?.Trim() switch
    {
        null or "" => "a user name is required",
        { Length: > MaxNameLength } => $"a user name has at most {MaxNameLength} characters",
        var name when name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) => "a user name cannot contain spaces or control characters",
        _ => null,
    };

    /// <summary>Returns what is wrong with a password, or null when it is acceptable.</summary>
    public static string? CheckPassword(string? password) => password switch
    {
        null or "" => "a password is required",
        { Length: < 10 } => "a password needs at least 10 characters",
        { Length: > 256 } => "a password has at most 256 characters",
        _ => null,
    };
}

/// <summary>
/// A key a script sends instead of signing in (<c>Authorization: Bearer vf_...</c>). Only its sha256 is stored; the
/// key itself is shown once, when it is made. It acts with its owner's role.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; init; } = Guid.NewGuid();

    public Guid UserId { get; init; }

    public User? User { get; init; }

    /// <summary>What the owner calls it ("nightly sweep").</summary>
    public required string Name { get; init; }

    /// <summary>The first characters of the key, to recognise it in a list.</summary>
    public required string Prefix { get; init; }

    /// <summary>Lower-case hex sha256 of the whole key.</summary>
    public required string Hash { get; init; }

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? RevokedAt { get; set; }
}
