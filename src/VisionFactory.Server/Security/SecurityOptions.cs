using System.ComponentModel.DataAnnotations;

namespace VisionFactory.Server.Security;

/// <summary>Sign-in, session and brute-force settings, bound from the <c>Security</c> configuration section.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// How often a signed-in session is checked against its user (security stamp, disabled): a role change, a disable
    /// or a password change ends older sessions within this time. One minute unless configured.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Wrong passwords in a row after which an account is locked out for <see cref="LockoutDuration"/>.</summary>
    [Range(1, 100)]
    public int LockoutThreshold { get; set; } = 5;

    /// <summary>The first lockout; each further wrong password doubles it, up to <see cref="MaxLockoutDuration"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxLockoutDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Sign-in and set-up attempts one network address may make per minute (API and sign-in page together).</summary>
    [Range(1, 100_000)]
    public int SignInAttemptsPerMinute { get; set; } = 30;

    /// <summary>Requests carrying an API key that one network address may make per minute.</summary>
    [Range(1, 10_000_000)]
    public int ApiKeyRequestsPerMinute { get; set; } = 6000;

    /// <summary>
    /// When true, first-run set-up (the set-up page and <c>POST /api/setup</c>) needs the one-time token the server
    /// writes to its log at start, so the first visitor of an exposed port cannot claim the installation.
    /// </summary>
    public bool RequireSetupToken { get; set; }
}
