using Microsoft.Extensions.Caching.Memory;

namespace VisionFactory.Server.Security;

/// <summary>
/// The lockout rule (<see cref="LockUntil"/>), and the failures of user names that do not exist, kept in memory so
/// that such a name locks out like a real one and the answers do not tell which names exist.
/// </summary>
public sealed class SignInLockouts : IDisposable
{
    private readonly MemoryCache unknownNames = new(new MemoryCacheOptions { SizeLimit = 10_000 });
    private readonly Lock gate = new();

    /// <summary>Until when the <paramref name="failures"/>-th wrong password in a row locks the name, or null below the threshold.</summary>
    public static DateTimeOffset? LockUntil(int failures, DateTimeOffset now, SecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (failures < options.LockoutThreshold)
        {
            return null;
        }

        var doublings = Math.Min(failures - options.LockoutThreshold, 30);
        var ticks = Math.Min(options.LockoutDuration.Ticks * (1L << doublings), options.MaxLockoutDuration.Ticks);
        return now + TimeSpan.FromTicks(Math.Max(ticks, options.LockoutDuration.Ticks));
    }

    public DateTimeOffset? LockedUntil(string normalizedName, DateTimeOffset now) =>
        unknownNames.TryGetValue(normalizedName, out Entry? entry) && entry!.Until > now ? entry.Until : null;

    public void Failed(string normalizedName, DateTimeOffset now, SecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (gate)
        {
            var failures = (unknownNames.TryGetValue(normalizedName, out Entry? entry) ? entry!.Failures : 0) + 1;
            unknownNames.Set(
                normalizedName,
                new Entry(failures, LockUntil(failures, now, options)),
                new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = options.MaxLockoutDuration });
        }
    }

    public void Dispose() => unknownNames.Dispose();

    private sealed record Entry(int Failures, DateTimeOffset? Until);
}
