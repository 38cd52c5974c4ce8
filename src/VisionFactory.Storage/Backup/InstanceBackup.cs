using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using VisionFactory.Domain;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;
using VisionFactory.Storage.Maintenance;

namespace VisionFactory.Storage.Backup;

/// <summary>What a backup holds, as written into its <c>manifest.json</c>.</summary>
public sealed record BackupManifest
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    /// <summary><c>sqlite</c> or <c>postgresql</c>: which database the snapshot is of.</summary>
    public required string Database { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public int Blobs { get; init; }

    public long BlobBytes { get; init; }

    public int KeyFiles { get; init; }

    public int ModelFiles { get; init; }
}

/// <summary>
/// One-file backups of an instance: a consistent snapshot of the database (SQLite <c>VACUUM INTO</c>, or
/// <c>pg_dump</c> for PostgreSQL), every blob the snapshot refers to, the data-protection keys (sign-in cookies) and the
/// administrator's model files (<c>&lt;data&gt;/models</c>), in one zip. Blobs are immutable and the collector never
/// deletes a referenced one, so copying them after the snapshot gives a consistent whole. Restore writes into an empty
/// instance only, unless forced.
/// </summary>
public sealed partial class InstanceBackup(DataDirectory data)
{
    private const string ManifestEntry = "manifest.json";
    private const string SqliteEntry = "database/visionfactory.db";
    private const string PostgresEntry = "database/visionfactory.pgdump";
    private const string KeysFolder = "keys";
    private const string ModelsFolder = "models";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private string KeysPath => Path.Combine(data.Root, KeysFolder);

    private string ModelsPath => Path.Combine(data.Root, ModelsFolder);

    /// <summary>Writes a backup of the instance to <paramref name="file"/> (replaced only when complete).</summary>
    public async Task<BackupManifest> BackupAsync(string file, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        Directory.CreateDirectory(data.TempPath);
        var work = Path.Combine(data.TempPath, "backup-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(work);
        var partial = target + ".partial";
        try
        {
            var snapshot = Path.Combine(work, "snapshot");
            HashSet<string> referenced;
            if (data.Postgres is { } postgres)
            {
                await RunToolAsync("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", snapshot], postgres, cancellationToken).ConfigureAwait(false);
                await using var live = new PostgresVisionFactoryDb(new DbContextOptionsBuilder<PostgresVisionFactoryDb>().UseNpgsql(postgres).Options);
                referenced = await BlobReferences.ReferencedAsync(live, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (!File.Exists(data.DatabasePath))
                {
                    throw ProblemException.NotFound($"there is no database at {data.DatabasePath} to back up (is --data right?)");
                }

                await using (var live = new VisionFactoryDb(DatabaseSetup.SqliteOptions(data)))
                {
                    // VACUUM INTO writes a transactionally consistent copy while others may keep writing.
                    await live.Database.ExecuteSqlAsync($"VACUUM INTO {snapshot}", cancellationToken).ConfigureAwait(false);
                }

                SqliteConnection.ClearAllPools();
                await using var copy = new VisionFactoryDb(new DbContextOptionsBuilder<VisionFactoryDb>().UseSqlite(
                    new SqliteConnectionStringBuilder { DataSource = snapshot, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()).Options);
                referenced = await BlobReferences.ReferencedAsync(copy, cancellationToken).ConfigureAwait(false);
            }

            var blobs = new BlobStore(data);
            var manifest = new BackupManifest
            {
                Database = data.Postgres is null ? "sqlite" : "postgresql",
                CreatedAt = DateTimeOffset.UtcNow,
            };
            long blobBytes = 0;
            int keyFiles, modelFiles;
            await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write))
            {
                using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
                {
                    await zip.CreateEntryFromFileAsync(snapshot, data.Postgres is null ? SqliteEntry : PostgresEntry, CompressionLevel.Optimal, cancellationToken).ConfigureAwait(false);
                    foreach (var sha in referenced.Order(StringComparer.Ordinal))
                    {
                        var path = blobs.PathOf(sha);
                        if (!File.Exists(path))
                        {
                            throw ProblemException.Damaged(
                                $"blob {sha} is referenced but missing, so the backup would be incomplete; run vf admin check to see what refers to it");
                        }

                        // Images and model files are compressed already.
                        await zip.CreateEntryFromFileAsync(path, BlobEntry(sha), CompressionLevel.NoCompression, cancellationToken).ConfigureAwait(false);
                        blobBytes += new FileInfo(path).Length;
                    }

                    keyFiles = await AddFolderAsync(zip, KeysPath, KeysFolder, cancellationToken).ConfigureAwait(false);
                    modelFiles = await AddFolderAsync(zip, ModelsPath, ModelsFolder, cancellationToken).ConfigureAwait(false);
                    manifest = manifest with { Blobs = referenced.Count, BlobBytes = blobBytes, KeyFiles = keyFiles, ModelFiles = modelFiles };
                    var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal);
                    var manifestStream = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                    await using (manifestStream.ConfigureAwait(false))
                    {
                        await JsonSerializer.SerializeAsync(manifestStream, manifest, Json, cancellationToken).ConfigureAwait(false);
                    }
                }

                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(partial, target, overwrite: true);
            return manifest;
        }
        finally
        {
            File.Delete(partial);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Restores <paramref name="file"/> into this instance. Refuses a populated instance (a database with rows, or
    /// blobs) unless <paramref name="force"/>, which replaces what is there.
    /// </summary>
    public async Task<BackupManifest> RestoreAsync(string file, bool force, CancellationToken cancellationToken)
    {
        if (!File.Exists(file))
        {
            throw ProblemException.NotFound($"no backup file at {file}");
        }

        using var zip = OpenArchive(file);
        var manifest = await ReadManifestAsync(zip, file, cancellationToken).ConfigureAwait(false);
        var expected = data.Postgres is null ? "sqlite" : "postgresql";
        if (manifest.Database != expected)
        {
            throw ProblemException.Invalid(
                $"{file} holds a {manifest.Database} database and this instance uses {expected}; restore it into an instance on {manifest.Database}");
        }

        if (await PopulatedAsync(cancellationToken).ConfigureAwait(false) is { } populated && !force)
        {
            throw ProblemException.Conflict(
                $"the instance at {data.Root} is not empty ({populated}); restore into an empty data directory and database, or add --force to replace it");
        }

        Directory.CreateDirectory(data.TempPath);
        var work = Path.Combine(data.TempPath, "restore-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(work);
        try
        {
            var snapshot = Path.Combine(work, "snapshot");
            var databaseEntry = zip.GetEntry(data.Postgres is null ? SqliteEntry : PostgresEntry)
                ?? throw ProblemException.Invalid($"{file} has no database snapshot; it is not a complete VisionFactory backup");
            await databaseEntry.ExtractToFileAsync(snapshot, overwrite: true, cancellationToken).ConfigureAwait(false);

            // The blobs are written first and checked against their names, so a damaged archive stops before the database is replaced.
            var blobs = new BlobStore(data);
            ReplaceFolder(KeysPath, force);
            ReplaceFolder(ModelsPath, force);
            if (force && Directory.Exists(data.BlobsPath))
            {
                Directory.Delete(data.BlobsPath, recursive: true);
                Directory.CreateDirectory(data.BlobsPath);
            }

            foreach (var entry in zip.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (entry.FullName is ManifestEntry or SqliteEntry or PostgresEntry || entry.FullName.EndsWith('/'))
                {
                    continue;
                }

                if (BlobEntryPattern().Match(entry.FullName) is { Success: true } blob)
                {
                    var sha = blob.Groups["sha"].Value;
                    var bytes = await ReadAllAsync(entry, cancellationToken).ConfigureAwait(false);
                    if (BlobStore.Sha256Of(bytes) != sha)
                    {
                        throw ProblemException.Damaged($"{file} is damaged: blob {sha} does not hash to its name; nothing of the database was restored");
                    }

                    blobs.Put(bytes);
                }
                else if (PlainFileEntryPattern().Match(entry.FullName) is { Success: true } plain)
                {
                    var folder = plain.Groups["folder"].Value == KeysFolder ? KeysPath : ModelsPath;
                    Directory.CreateDirectory(folder);
                    await entry.ExtractToFileAsync(Path.Combine(folder, plain.Groups["name"].Value), overwrite: true, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    throw ProblemException.Invalid($"{file} holds an entry a VisionFactory backup does not have: {entry.FullName}");
                }
            }

            if (data.Postgres is { } postgres)
            {
                await RunToolAsync("pg_restore", ["--no-owner", "--no-privileges", "--clean", "--if-exists", "--exit-on-error", "--dbname", "{dbname}", snapshot], postgres, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                SqliteConnection.ClearAllPools();
                foreach (var suffix in new[] { "-wal", "-shm" })
                {
                    File.Delete(data.DatabasePath + suffix);
                }

                File.Move(snapshot, data.DatabasePath, overwrite: true);
            }

            return manifest;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // Why the instance is not empty, or null when it is.
    private async Task<string?> PopulatedAsync(CancellationToken cancellationToken)
    {
        if (Directory.Exists(data.BlobsPath) && Directory.EnumerateFiles(data.BlobsPath, "*", SearchOption.AllDirectories).Any())
        {
            return "it has blobs";
        }

        if (data.Postgres is null && !File.Exists(data.DatabasePath))
        {
            return null;
        }

        await using var db = data.Postgres is { } postgres
            ? new PostgresVisionFactoryDb(new DbContextOptionsBuilder<PostgresVisionFactoryDb>().UseNpgsql(postgres).Options)
            : new VisionFactoryDb(DatabaseSetup.SqliteOptions(data));
        if (!(await db.Database.GetAppliedMigrationsAsync(cancellationToken).ConfigureAwait(false)).Any())
        {
            return null;
        }

        var users = await db.Users.CountAsync(cancellationToken).ConfigureAwait(false);
        var datasets = await db.Datasets.CountAsync(cancellationToken).ConfigureAwait(false);
        var models = await db.Models.CountAsync(cancellationToken).ConfigureAwait(false);
        if (data.Postgres is null)
        {
            SqliteConnection.ClearAllPools();
        }

        return users + datasets + models == 0
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"its database holds {datasets} datasets, {models} models and {users} users");
    }

    private static ZipArchive OpenArchive(string file)
    {
        try
        {
            return ZipFile.OpenRead(file);
        }
        catch (InvalidDataException e)
        {
            throw ProblemException.Invalid($"{file} is not a VisionFactory backup (not a readable zip: {e.Message})");
        }
    }

    private static async Task<BackupManifest> ReadManifestAsync(ZipArchive zip, string file, CancellationToken cancellationToken)
    {
        var entry = zip.GetEntry(ManifestEntry) ?? throw ProblemException.Invalid($"{file} is not a VisionFactory backup (it has no {ManifestEntry})");
        var stream = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            BackupManifest? manifest;
            try
            {
                manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(stream, Json, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw ProblemException.Invalid($"{file} has an unreadable {ManifestEntry}: {e.Message}");
            }

            if (manifest is null || manifest.Format > BackupManifest.CurrentFormat)
            {
                throw ProblemException.Invalid($"{file} was written by a newer VisionFactory (backup format {manifest?.Format}); restore it with that version");
            }

            return manifest;
        }
    }

    private static async Task<byte[]> ReadAllAsync(ZipArchiveEntry entry, CancellationToken cancellationToken)
    {
        var stream = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream((int)Math.Min(entry.Length, int.MaxValue));
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    private static async Task<int> AddFolderAsync(ZipArchive zip, string folder, string name, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var count = 0;
        foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(file);
            if (!SafeFileName().IsMatch(fileName))
            {
                continue;
            }

            await zip.CreateEntryFromFileAsync(file, name + "/" + fileName, CompressionLevel.Optimal, cancellationToken).ConfigureAwait(false);
            count++;
        }

        return count;
    }

    private static void ReplaceFolder(string folder, bool force)
    {
        if (force && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string BlobEntry(string sha) => $"blobs/{sha[..2]}/{sha[2..4]}/{sha}";

    // pg_dump and pg_restore take the connection from libpq's environment variables, so no password is on a command line.
    private static async Task RunToolAsync(string tool, IReadOnlyList<string> arguments, string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument == "{dbname}" ? connection.Database ?? "" : argument);
        }

        if (tool == "pg_dump")
        {
            start.ArgumentList.Add(connection.Database ?? "");
        }

        start.Environment["PGHOST"] = connection.Host;
        start.Environment["PGPORT"] = connection.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = connection.Username;
        if (connection.Password is { } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw ProblemException.Invalid($"{tool} could not be started ({e.Message}); install PostgreSQL's client programs (apt-get install postgresql-client)");
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw ProblemException.Invalid($"{tool} failed (exit code {process.ExitCode}): {(await errors.ConfigureAwait(false)).Trim()}");
            }
        }
    }

    [GeneratedRegex(@"^blobs/[0-9a-f]{2}/[0-9a-f]{2}/(?<sha>[0-9a-f]{64})$")]
    private static partial Regex BlobEntryPattern();

    [GeneratedRegex(@"^(?<folder>keys|models)/(?<name>[A-Za-z0-9][A-Za-z0-9._-]{0,200})$")]
    private static partial Regex PlainFileEntryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")]
    private static partial Regex SafeFileName();
}
