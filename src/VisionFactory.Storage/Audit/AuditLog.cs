using Microsoft.EntityFrameworkCore;
using VisionFactory.Domain.Audit;
using VisionFactory.Storage.Database;

namespace VisionFactory.Storage.Audit;

/// <summary>
/// Writes and reads the audit trail. Each entry is saved on a context of its own, so recording never saves (or
/// is lost with) the caller's unfinished changes.
/// </summary>
public sealed class AuditLog(IDbContextFactory<VisionFactoryDb> contexts)
{
    public const int MaxLimit = 10_000;

    public async Task RecordAsync(string action, string? actor, string? target, string? detail, string? address, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        db.AuditEntries.Add(Entry(action, actor, target, detail, address));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An entry to save with the change it records, in the same transaction (texts clipped to the column sizes).</summary>
    public static AuditEntry Entry(string action, string? actor, string? target, string? detail, string? address) => new()
    {
        Action = action,
        Actor = Clip(actor),
        Target = Clip(target),
        Detail = Clip(detail),
        Address = address is { Length: > 64 } ? address[..64] : address,
    };

    /// <summary>The latest <paramref name="limit"/> entries, newest first.</summary>
    public async Task<List<AuditEntry>> LatestAsync(int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Id).Take(Math.Clamp(limit, 1, MaxLimit))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string? Clip(string? text) => text is { Length: > AuditEntry.MaxTextLength } ? text[..AuditEntry.MaxTextLength] : text;
}
