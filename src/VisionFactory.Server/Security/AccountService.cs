using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain;
using VisionFactory.Domain.Users;
using VisionFactory.Storage.Database;

namespace VisionFactory.Server.Security;

/// <summary>
/// Users and API keys: the first-run administrator, sign-in checks, users made by an administrator, and keys for
/// scripts. Passwords are hashed by ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>; API keys are 32
/// random bytes, of which only the sha256 is stored. Managing users needs the admin role, checked here against the
/// <see cref="Domain.Users.Caller"/> (the same rule as the <c>/api/users</c> routes), so the Settings page cannot forget it.
/// </summary>
public sealed class AccountService(VisionFactoryDb db, IPasswordHasher<User> hasher, Domain.Users.Caller caller)
{
    public const string KeyPrefix = "vf_";

    /// <summary>True on a fresh installation, before the administrator exists.</summary>
    public async Task<bool> NeedsSetupAsync(CancellationToken cancellationToken) =>
        !await db.Users.AnyAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Creates the administrator on a fresh installation; refused once any user exists.</summary>
    public async Task<User> SetUpAsync(string? userName, string? password, CancellationToken cancellationToken)
    {
        if (await db.Users.AnyAsync(cancellationToken).ConfigureAwait(false))
        {
            throw ProblemException.Conflict("set-up is done: an administrator exists; sign in, or ask an administrator for an account");
        }

        return await AddAsync(userName, password, Role.Admin, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An administrator adds a user with a role.</summary>
    public async Task<User> CreateAsync(string? userName, string? password, Role role, CancellationToken cancellationToken)
    {
        caller.Require(Role.Admin, "add a user");
        return await AddAsync(userName, password, role, cancellationToken).ConfigureAwait(false);
    }

    private async Task<User> AddAsync(string? userName, string? password, Role role, CancellationToken cancellationToken)
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
        if (await db.Users.AnyAsync(u => u.NormalizedUserName == normalized, cancellationToken).ConfigureAwait(false))
        {
            throw ProblemException.Conflict($"a user named '{userName!.Trim()}' already exists");
        }

        var user = new User { UserName = userName!.Trim(), NormalizedUserName = normalized, PasswordHash = "", Role = role };
        user.PasswordHash = hasher.HashPassword(user, password!);
        db.Users.Add(user);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return user;
    }

    /// <summary>The user whose name and password match, or null (the same answer for an unknown name and a wrong password).</summary>
    public async Task<User?> VerifyAsync(string? userName, string? password, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
        {
            return null;
        }

        var normalized = User.Normalize(userName);
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedUserName == normalized, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            // Hash anyway, so that an unknown name takes as long as a wrong password.
            hasher.HashPassword(new User { UserName = "", NormalizedUserName = "", PasswordHash = "" }, password);
            return null;
        }

        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        return result == PasswordVerificationResult.Failed ? null : user;
    }

    public Task<List<User>> ListUsersAsync(CancellationToken cancellationToken)
    {
        caller.Require(Role.Admin, "list the users");
        return db.Users.AsNoTracking().OrderBy(u => u.NormalizedUserName).ToListAsync(cancellationToken);
    }

    public async Task<User> SetRoleAsync(Guid id, Role role, CancellationToken cancellationToken)
    {
        caller.Require(Role.Admin, "change a user's role");
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"user {id} does not exist");
        if (user.Role == Role.Admin && role != Role.Admin
            && !await db.Users.AnyAsync(u => u.Id != id && u.Role == Role.Admin, cancellationToken).ConfigureAwait(false))
        {
            throw ProblemException.Conflict($"{user.UserName} is the last administrator; make another user an administrator first");
        }

        user.Role = role;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return user;
    }

    /// <summary>Makes a key for <paramref name="userId"/>; the returned text is the only copy of the key.</summary>
    public async Task<(ApiKey Key, string Secret)> CreateKeyAsync(Guid userId, string? name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw ProblemException.Invalid("a key needs a name of 1 to 100 characters, e.g. {\"name\": \"nightly sweep\"}");
        }

        var secret = KeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var key = new ApiKey { UserId = userId, Name = name.Trim(), Prefix = secret[..10], Hash = Hash(secret) };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
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
    public async Task RevokeKeyAsync(Guid keyId, Guid? ownerOnly, CancellationToken cancellationToken)
    {
        if (ownerOnly is null)
        {
            caller.Require(Role.Admin, "revoke another user's API key");
        }

        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId && (ownerOnly == null || k.UserId == ownerOnly), cancellationToken).ConfigureAwait(false)
            ?? throw ProblemException.NotFound($"API key {keyId} does not exist");
        key.RevokedAt ??= DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The owner of a live key, or null.</summary>
    public async Task<User?> FindByKeyAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(KeyPrefix, StringComparison.Ordinal) || secret.Length > 200)
        {
            return null;
        }

        var hash = Hash(secret);
        return await db.ApiKeys.AsNoTracking().Where(k => k.Hash == hash && k.RevokedAt == null).Select(k => k.User)
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
