using System.Security.Cryptography;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Storage.Maintenance;

/// <summary>A blob a row refers to that is missing or whose bytes no longer hash to its name.</summary>
/// <param name="Sha256">The blob.</param>
/// <param name="Problem"><c>missing</c> or <c>damaged</c> (its bytes hash to something else).</param>
/// <param name="Owners">The rows that refer to it (at most a few named, then a count).</param>
public sealed record IntegrityFinding(string Sha256, string Problem, IReadOnlyList<string> Owners);

/// <summary>What an integrity check saw.</summary>
public sealed record IntegrityReport(int BlobsChecked, int References, IReadOnlyList<IntegrityFinding> Findings)
{
    public bool Ok => Findings.Count == 0;
}

/// <summary>Checks that every blob a row refers to exists and hashes to its name.</summary>
public sealed class IntegrityCheck(VisionFactoryDb db, BlobStore blobs)
{
    private const int OwnersNamed = 5;

    public async Task<IntegrityReport> RunAsync(IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var references = await BlobReferences.ListAsync(db, withImages: true, cancellationToken).ConfigureAwait(false);
        var bySha = references.GroupBy(r => r.Sha256, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var findings = new List<IntegrityFinding>();
        var done = 0;
        foreach (var group in bySha)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var problem = await ProblemOfAsync(group.Key, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                var owners = group.Select(r => r.Owner).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                var named = owners.Take(OwnersNamed).ToList();
                if (owners.Count > OwnersNamed)
                {
                    named.Add($"and {owners.Count - OwnersNamed} more");
                }

                findings.Add(new IntegrityFinding(group.Key, problem, named));
            }

            progress?.Report((++done, bySha.Count));
        }

        return new IntegrityReport(bySha.Count, references.Count, findings);
    }

    private async Task<string?> ProblemOfAsync(string sha, CancellationToken cancellationToken)
    {
        string path;
        try
        {
            path = blobs.PathOf(sha);
        }
        catch (ArgumentException)
        {
            return "damaged";
        }

        if (!File.Exists(path))
        {
            return "missing";
        }

        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            return actual == sha ? null : "damaged";
        }
    }
}
