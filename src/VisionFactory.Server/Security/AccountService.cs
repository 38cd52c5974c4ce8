using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VisionFactory.Domain;
using VisionFactory.Domain.Audit;
using VisionFactory.Domain.Users;
using VisionFactory.Storage.Audit;
using VisionFactory.Storage.Database;

namespace VisionFactory.Server.Security;

/// <summary>
/// Users and API keys: the first-run administrator, sign-in checks with lockout, users made, disabled and deleted
/// by an administrator, passwords, and keys for scripts. Passwords are hashed by ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/>; API keys are 32 random bytes, of which only the sha256 is stored. Every
/// change renews the user's security stamp where it should end their other sessions, and is written to the audit log.
/// Managing users needs the admin role, checked here against the signed-in <see cref="Domain.Users.Caller"/> (the
/// same rule as the <c>/api/users</c> routes), so no page can forget it.
/// </summary>
public sealed class AccountService(
    VisionFactoryDb db,
    IPasswordHasher<User> hasher,
    AuditLog audit,
    SignInLockouts lockouts,
    SetupToken setupToken,
    IOptions<SecurityOptions> options,
    TimeProvider clock,
    Domain.Users.Caller signedIn)
{
    public const string KeyPrefix = "vf_";

    /// <summary>True on a fresh installation, before the administrator exists.</summary>
    public async Task<bool> NeedsSetupAsync(CancellationToken cancellationToken) =>
        !await db.Users.AnyAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Whether set-up asks for the one-time token from the server's log.</summary>
    public bool SetupNeedsToken => options.Value.RequireSetupToken;

    /// <summary>Creates the administrator on a fresh installation; refused once any user exists.</summary>
    public async Task<User> SetUpAsync(string? userName, string? password, string? token, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (await db.Users.AnyAsync(cancellationToken).ConfigureAwait(false))
        {
            throw ProblemException.Conflict("set-up is done: an administrator exists; sign in, or ask an administrator for an account");
        }

        if (SetupNeedsToken && !setupToken.Matches(token))
        {
            throw ProblemException.Invalid(string.IsNullOrEmpty(token)
                ? "set-up needs the one-time set-up token that the server wrote to its log when it started ('setup_token')"
                : "the set-up token is wrong: use the one the server wrote to its log when it started");
        }

        var user = await AddUserAsync(userName, password, Role.Admin, cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(AuditActions.SetUp, user.UserName, user.UserName, "first administrator", caller.Address, cancellationToken).ConfigureAwait(false);
        return user;
    }

    public async Task<User> CreateAsync(string? userName, string? password, Role role, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        signedIn.Require(Role.Admin, "add a user");
        var user = await AddUserAsync(userName, password, role, cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(AuditActions.UserCreated, caller.UserName, user.UserName, $"role {Name(role)}", caller.Address, cancellationToken).ConfigureAwait(false);
        return user;
    }

    private async Task<User> AddUserAsync(string? userName, string? password, Role role, CancellationToken cancellationToken)
    {
        if (User.CheckName(userName) is { } nameProblem)
        {
            throw ProblemException.Invalid(nameProblem);
        }

        if (User.CheckPassword(password) is { } passwordProblem)
        {
            throw ProblemException.Invalid(passwordProblem);
        }

        var normalized = User.Normalize(userName!);
        var taken = ProblemException.Conflict($"a user named '{userName!.Trim()}' already exists");
        if (await db.Users.AnyAsync(u => u.NormalizedUserName == normalized, cancellationToken).ConfigureAwait(false))
        {
            throw taken;
        }

        var user = new User { UserName = userName!.Trim(), NormalizedUserName = normalized, PasswordHash = "", Role = role };
        user.PasswordHash = hasher.HashPassword(user, password!);
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Two requests for the same name at once: both passed the check above, the unique index let one in.
            if (await NameTakenAsync(normalized, user).ConfigureAwait(false))
            {
                throw taken;
            }

            throw;
        }

        return user;
    }

    private async Task<bool> NameTakenAsync(string normalized, User attempted)
    {
        db.Entry(attempted).State = EntityState.Detached;
        return await db.Users.AsNoTracking().AnyAsync(u => u.NormalizedUserName == normalized).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks a sign-in. An unknown name, a wrong password and a disabled account's wrong password get the same answer;
    /// after <see cref="SecurityOptions.LockoutThreshold"/> wrong passwords in a row the name is locked out for a
    /// doubling time, the right password included, whether or not the account exists.
    /// </summary>
    public async Task<SignInOutcome> SignInAsync(string? userName, string? password, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
        {
            return SignInOutcome.Wrong;
        }

        var now = clock.GetUtcNow();
        var normalized = User.Normalize(userName);
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedUserName == normalized, cancellationToken).ConfigureAwait(false);
        var lockedUntil = user is null ? lockouts.LockedUntil(normalized, now) : user.LockedOutUntil;
        if (lockedUntil is { } until && until > now)
        {
            await audit.RecordAsync(AuditActions.SignInFailed, userName.Trim(), userName.Trim(), "locked out", caller.Address, cancellationToken).ConfigureAwait(false);
            return SignInOutcome.LockedOut(until - now);
        }

        if (user is null)
        {
            // Hash anyway, so that an unknown name takes as long as a wrong password.
            hasher.HashPassword(new User { UserName = "", NormalizedUserName = "", PasswordHash = "" }, password);
            lockouts.Failed(normalized, now, options.Value);
            await audit.RecordAsync(AuditActions.SignInFailed, userName.Trim(), userName.Trim(), "wrong user name or password", caller.Address, cancellationToken).ConfigureAwait(false);
            return SignInOutcome.Wrong;
        }

        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed)
        {
            // Counted in the database itself, so that parallel attempts each count.
            await db.Users.Where(u => u.Id == user.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedSignIns, u => u.FailedSignIns + 1), cancellationToken).ConfigureAwait(false);
            await db.Entry(user).ReloadAsync(cancellationToken).ConfigureAwait(false);
            if (SignInLockouts.LockUntil(user.FailedSignIns, now, options.Value) is { } lockUntil)
            {
                user.LockedOutUntil = lockUntil;
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }

            await audit.RecordAsync(AuditActions.SignInFailed, user.UserName, user.UserName, "wrong user name or password", caller.Address, cancellationToken).ConfigureAwait(false);
            return SignInOutcome.Wrong;
        }

        if (user.IsDisabled)
        {
            await audit.RecordAsync(AuditActions.SignInFailed, user.UserName, user.UserName, "account disabled", caller.Address, cancellationToken).ConfigureAwait(false);
            return SignInOutcome.Disabled;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
        }

        user.FailedSignIns = 0;
        user.LockedOutUntil = null;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(AuditActions.SignIn, user.UserName, user.UserName, null, caller.Address, cancellationToken).ConfigureAwait(false);
        return SignInOutcome.Success(user);
    }

    public Task<List<User>> ListUsersAsync(CancellationToken cancellationToken)
    {
        signedIn.Require(Role.Admin, "list the users");
        return db.Users.AsNoTracking().OrderBy(u => u.NormalizedUserName).ToListAsync(cancellationToken);
    }

    /// <summary>The user a signed-in session belongs to, while its stamp is current and the account enabled; else null.</summary>
    public Task<User?> FindSessionUserAsync(Guid id, string? stamp, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(stamp)
            ? Task.FromResult<User?>(null)
            : db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id && u.SecurityStamp == stamp && u.DisabledAt == null, cancellationToken);

    public async Task<User> SetRoleAsync(Guid id, Role role, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        signedIn.Require(Role.Admin, "change a user's role");
        var user = await FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (role != Role.Admin)
        {
            await EnsureAnotherAdminAsync(user, "make another user an administrator first", cancellationToken).ConfigureAwait(false);
        }

        var before = user.Role;
        user.Role = role;
        user.RenewStamp();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(AuditActions.RoleChanged, caller.UserName, user.UserName, $"role {Name(before)} -> {Name(role)}", caller.Address, cancellationToken).ConfigureAwait(false);
        return user;
    }

    /// <summary>Disables (or enables again) an account: a disabled user's sessions end and their API keys stop working.</summary>
    public async Task<User> SetDisabledAsync(Guid id, bool disabled, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        signedIn.Require(Role.Admin, "disable or enable a user");
        var user = await FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (disabled && user.IsDisabled || !disabled && !user.IsDisabled)
        {
            return user;
        }

        if (disabled)
        {
            if (string.Equals(user.UserName, caller.UserName, StringComparison.Ordinal))
            {
                throw ProblemException.Conflict("you cannot disable your own account; ask another administrator");
            }

            await EnsureAnotherAdminAsync(user, "make another user an administrator first", cancellationToken).ConfigureAwait(false);
        }

        user.DisabledAt = disabled ? clock.GetUtcNow() : null;
        user.FailedSignIns = 0;
        user.LockedOutUntil = null;
        user.RenewStamp();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(disabled ? AuditActions.UserDisabled : AuditActions.UserEnabled, caller.UserName, user.UserName, null, caller.Address, cancellationToken).ConfigureAwait(false);
        return user;
    }

    /// <summary>Deletes an account and its API keys.</summary>
    public async Task DeleteAsync(Guid id, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        signedIn.Require(Role.Admin, "delete a user");
        var user = await FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (string.Equals(user.UserName, caller.UserName, StringComparison.Ordinal))
        {
            throw ProblemException.Conflict("you cannot delete your own account; ask another administrator");
        }

        await EnsureAnotherAdminAsync(user, "make another user an administrator first", cancellationToken).ConfigureAwait(false);
        db.Users.Remove(user);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(AuditActions.UserDeleted, caller.UserName, user.UserName, null, caller.Address, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An administrator sets a new password for a user: the user's sessions end and a lockout is lifted.</summary>
    public async Task<User> ResetPasswordAsync(Guid id, string? password, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        signedIn.Require(Role.Admin, "reset a user's password");
        var user = await FindAsync(id, cancellationToken).ConfigureAwait(false);
        SetPassword(user, password);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(AuditActions.PasswordReset, caller.UserName, user.UserName, null, caller.Address, cancellationToken).ConfigureAwait(false);
        return user;
    }

    /// <summary>
    /// A user changes their own password, giving the current one. Every session of theirs ends; the caller signs the
    /// current one in again with the returned user.
    /// </summary>
    public async Task<User> ChangePasswordAsync(Guid id, string? currentPassword, string? newPassword, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var user = await FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(currentPassword) || hasher.VerifyHashedPassword(user, user.PasswordHash, currentPassword) == PasswordVerificationResult.Failed)
        {
            throw ProblemException.Invalid("the current password is wrong");
        }

        SetPassword(user, newPassword);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(AuditActions.PasswordChanged, caller.UserName, user.UserName, null, caller.Address, cancellationToken).ConfigureAwait(false);
        return user;
    }

    private void SetPassword(User user, string? password)
    {
        if (User.CheckPassword(password) is { } problem)
        {
            throw ProblemException.Invalid(problem);
        }

        user.PasswordHash = hasher.HashPassword(user, password!);
        user.FailedSignIns = 0;
        user.LockedOutUntil = null;
        user.RenewStamp();
    }

    private async Task<User> FindAsync(Guid id, CancellationToken cancellationToken) =>
        await db.Users.SingleOrDefaultAsync(u => u.Id == id, cancellationToken).ConfigureAwait(false)
        ?? throw ProblemException.NotFound($"user {id} does not exist");

    private async Task EnsureAnotherAdminAsync(User user, string advice, CancellationToken cancellationToken)
    {
        if (user.Role == Role.Admin && !user.IsDisabled
            && !await db.Users.AnyAsync(u => u.Id != user.Id && u.Role == Role.Admin && u.DisabledAt == null, cancellationToken).ConfigureAwait(false))
        {
            throw ProblemException.Conflict($"{user.UserName} is the last administrator; {advice}");
        }
    }

    /// <summary>Makes a key for <paramref name="userId"/>; the returned text is the only copy of the key.</summary>
    public async Task<(ApiKey Key, string Secret)> CreateKeyAsync(Guid userId, string? name, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw ProblemException.Invalid("a key needs a name of 1 to 100 characters, e.g. {\"name\": \"nightly sweep\"}");
        }

        var secret = KeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var key = new ApiKey { UserId = userId, Name = name.Trim(), Prefix = secret[..10], Hash = Hash(secret) };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(AuditActions.KeyCreated, caller.UserName, key.Name, $"key {key.Prefix}…", caller.Address, cancellationToken).ConfigureAwait(false);
        return (key, secret);
    }

    public Task<List<ApiKey>> ListKeysAsync(Guid? userId, CancellationToken cancellationToken)
    {
        var query = db.ApiKeys.AsNoTracking().Include(k => k.User).AsQueryable();
        if (userId is { } owner)
        {
            query = query.Where(k => k.UserId == owner);
        }

        return query.OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);
    }

    /// <summary>Revokes a key; <paramref name="ownerOnly"/> restricts it to the caller's own keys.</summary>
    public async Task RevokeKeyAsync(Guid keyId, Guid? ownerOnly, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (ownerOnly is null)
        {
            signedIn.Require(Role.Admin, "revoke another user's API key");
        }

        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId && (ownerOnly == null || k.UserId == ownerOnly), cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"API key {keyId} does not exist");
        if (key.RevokedAt is null)
        {
            key.RevokedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(AuditActions.KeyRevoked, caller.UserName, key.Name, $"key {key.Prefix}…", caller.Address, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The owner of a live key, while the owner's account is enabled; else null.</summary>
    public async Task<User?> FindByKeyAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(KeyPrefix, StringComparison.Ordinal) || secret.Length > 200)
        {
            return null;
        }

        var hash = Hash(secret);
        return await db.ApiKeys.AsNoTracking().Where(k => k.Hash == hash && k.RevokedAt == null && k.User!.DisabledAt == null).Select(k => k.User)
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Name(Role role) => role.ToString().ToLowerInvariant();

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

/// <summary>What a sign-in attempt came to; <see cref="Message"/> never says whether the account exists.</summary>
public sealed record SignInOutcome(User? User, string? Message, TimeSpan? RetryAfter)
{
    public static readonly SignInOutcome Wrong = new(null, "wrong user name or password", null);

    public static readonly SignInOutcome Disabled = new(null, "this account is disabled; ask an administrator", null);

    public static SignInOutcome Success(User user) => new(user, null, null);

    public static SignInOutcome LockedOut(TimeSpan retryAfter)
    {
        var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
        return new(null, $"too many failed sign-ins for this user name; try again in {seconds} s", TimeSpan.FromSeconds(seconds));
    }
}
