namespace VisionFactory.Domain.Audit;

/// <summary>
/// One security-relevant event, kept in the database for administrators: sign-ins (successful and failed), changes to
/// users, roles and API keys, dataset deletions, pipeline starts and settings changed in the UI.
/// </summary>
public sealed class AuditEntry
{
    public const int MaxTextLength = 256;

    public long Id { get; init; }

    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>What happened, one of <see cref="AuditActions"/>.</summary>
    public required string Action { get; init; }

    /// <summary>Who did it: the signed-in user's name, or the name that was tried for a failed sign-in; null when unknown.</summary>
    public string? Actor { get; init; }

    /// <summary>What it was done to: a user name, a key's name, a dataset, a pipeline.</summary>
    public string? Target { get; init; }

    /// <summary>More about it, e.g. "role viewer -> admin" or "wrong password".</summary>
    public string? Detail { get; init; }

    /// <summary>The caller's network address, when known.</summary>
    public string? Address { get; init; }
}

/// <summary>The names of audited events.</summary>
public static class AuditActions
{
    public const string SignIn = "sign_in";
    public const string SignInFailed = "sign_in_failed";
    public const string SetUp = "set_up";
    public const string UserCreated = "user_created";
    public const string RoleChanged = "role_changed";
    public const string UserDisabled = "user_disabled";
    public const string UserEnabled = "user_enabled";
    public const string UserDeleted = "user_deleted";
    public const string PasswordReset = "password_reset";
    public const string PasswordChanged = "password_changed";
    public const string KeyCreated = "key_created";
    public const string KeyRevoked = "key_revoked";
    public const string DatasetDeleted = "dataset_deleted";
    public const string PipelineStarted = "pipeline_started";
    public const string SettingsChanged = "settings_changed";
}
