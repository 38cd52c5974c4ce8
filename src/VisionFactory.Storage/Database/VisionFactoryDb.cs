using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using VisionFactory.Domain.Audit;
using VisionFactory.Domain.Datasets;
using VisionFactory.Domain.Models;
using VisionFactory.Domain.Review;
using VisionFactory.Domain.Pipelines;
using VisionFactory.Domain.Runs;
using VisionFactory.Domain.Users;
using VisionFactory.Domain.Zoo;

namespace VisionFactory.Storage.Database;

/// <summary>
/// The platform's database: datasets, versions, images, models, runs and their metrics. SQLite by default;
/// <see cref="PostgresVisionFactoryDb"/> is the same model on PostgreSQL, with its own migrations.
/// </summary>
public class VisionFactoryDb : DbContext
{
    public VisionFactoryDb(DbContextOptions<VisionFactoryDb> options)
        : base(options)
    {
    }

    protected VisionFactoryDb(DbContextOptions options)
        : base(options)
    {
    }

    /// <summary>
    /// How the JSON columns are written. Public: the compiled model (Database/CompiledModels) holds the columns'
    /// converters as code, and code generated there can only name public members.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public DbSet<Dataset> Datasets => Set<Dataset>();

    public DbSet<DatasetVersion> DatasetVersions => Set<DatasetVersion>();

    public DbSet<ImageItem> Images => Set<ImageItem>();

    public DbSet<ModelVersion> Models => Set<ModelVersion>();

    public DbSet<ArchitectureProfile> ArchitectureProfiles => Set<ArchitectureProfile>();

    public DbSet<ImportedWeights> ImportedWeights => Set<ImportedWeights>();

    public DbSet<TrainingRun> Runs => Set<TrainingRun>();

    public DbSet<MetricPoint> Metrics => Set<MetricPoint>();

    public DbSet<Sweep> Sweeps => Set<Sweep>();

    public DbSet<User> Users => Set<User>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<ImageSignature> ImageSignatures => Set<ImageSignature>();

    public DbSet<ImageEmbedding> ImageEmbeddings => Set<ImageEmbedding>();

    public DbSet<DatasetReview> DatasetReviews => Set<DatasetReview>();
    public DbSet<PipelineVersion> PipelineVersions => Set<PipelineVersion>();

    public DbSet<PipelineResult> PipelineResults => Set<PipelineResult>();

    public DbSet<PipelineAlert> PipelineAlerts => Set<PipelineAlert>();

    public DbSet<PipelineDeployment> PipelineDeployments => Set<PipelineDeployment>();
    public DbSet<ImportJob> ImportJobs => Set<ImportJob>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date type; stored as a sortable integer, timestamps can be ordered and compared in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Dataset>(d =>
        {
            d.HasIndex(x => x.Name).IsUnique();
            d.Property(x => x.Name).HasMaxLength(DatasetName.MaxLength);
            d.Property(x => x.ExternalTestSet).HasMaxLength(DatasetName.MaxLength);
            d.HasMany(x => x.Versions).WithOne(v => v.Dataset).HasForeignKey(v => v.DatasetId);
        });

        modelBuilder.Entity<DatasetVersion>(v =>
        {
            v.HasIndex(x => new { x.DatasetId, x.Number }).IsUnique();
            v.HasMany(x => x.Items).WithOne().HasForeignKey(i => i.DatasetVersionId);
            AsJson(v.Property(x => x.Classes));
            AsJson(v.Property(x => x.Split));
            AsJson(v.Property(x => x.Import));
        });

        modelBuilder.Entity<ImageItem>(i =>
        {
            i.HasIndex(x => new { x.DatasetVersionId, x.ClassIndex });
            i.HasIndex(x => x.Sha256);
            i.Property(x => x.Sha256).HasMaxLength(64);
        });

        modelBuilder.Entity<ArchitectureProfile>(p => p.HasKey(x => x.Architecture));
        modelBuilder.Entity<ImportedWeights>(w => w.HasKey(x => x.Architecture));

        modelBuilder.Entity<ModelVersion>(m =>
        {
            m.Property(x => x.Id).HasMaxLength(16);
            m.HasOne(x => x.DatasetVersion).WithMany().HasForeignKey(x => x.DatasetVersionId).OnDelete(DeleteBehavior.Cascade);
            m.Property(x => x.ImportedFrom).HasMaxLength(260);
            m.Ignore(x => x.IsImported);
            AsJson(m.Property(x => x.Spec));
            AsJson(m.Property(x => x.Classes));
            AsJson(m.Property(x => x.History));
            AsJson(m.Property(x => x.Evaluation));
            AsJson(m.Property(x => x.ExternalEvaluation));
        });

        modelBuilder.Entity<TrainingRun>(r =>
        {
            r.Property(x => x.Id).HasMaxLength(16);
            r.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
            r.HasIndex(x => new { x.State, x.LeaseExpiresAt });
            r.HasIndex(x => x.SweepId);
            r.HasIndex(x => x.CreatedAt);
            AsJson(r.Property(x => x.Spec));
            AsJson(r.Property(x => x.Progress));
        });

        modelBuilder.Entity<MetricPoint>(p =>
        {
            p.Property(x => x.Kind).HasConversion<string>().HasMaxLength(8);
            p.HasIndex(x => new { x.RunId, x.Kind, x.Epoch, x.Step }).IsUnique();
            p.HasOne<TrainingRun>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<User>(u =>
        {
            u.Property(x => x.UserName).HasMaxLength(User.MaxNameLength);
            u.Property(x => x.NormalizedUserName).HasMaxLength(User.MaxNameLength);
            u.HasIndex(x => x.NormalizedUserName).IsUnique();
            u.Property(x => x.Role).HasConversion<string>().HasMaxLength(16);
            u.Property(x => x.SecurityStamp).HasMaxLength(64);
            u.Ignore(x => x.IsDisabled);
        });

        modelBuilder.Entity<AuditEntry>(a =>
        {
            a.Property(x => x.Action).HasMaxLength(32);
            a.Property(x => x.Actor).HasMaxLength(AuditEntry.MaxTextLength);
            a.Property(x => x.Target).HasMaxLength(AuditEntry.MaxTextLength);
            a.Property(x => x.Detail).HasMaxLength(AuditEntry.MaxTextLength);
            a.Property(x => x.Address).HasMaxLength(64);
            a.HasIndex(x => x.At);
        });

        modelBuilder.Entity<ApiKey>(k =>
        {
            k.Property(x => x.Name).HasMaxLength(100);
            k.Property(x => x.Prefix).HasMaxLength(16);
            k.Property(x => x.Hash).HasMaxLength(64);
            k.HasIndex(x => x.Hash).IsUnique();
            k.HasOne(x => x.User).WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Sweep>(s =>
        {
            s.Property(x => x.Id).HasMaxLength(16);
            AsJson(s.Property(x => x.Spec));
        });

        ConfigureReview(modelBuilder);
        ConfigurePipelines(modelBuilder);
        ConfigureImportJobs(modelBuilder);
    }

    private static void ConfigureImportJobs(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<ImportJob>(j =>
        {
            j.Property(x => x.Dataset).HasMaxLength(DatasetName.MaxLength);
            j.Property(x => x.Source).HasMaxLength(ImportJob.MaxSourceLength);
            j.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
            j.Property(x => x.StartedBy).HasMaxLength(User.MaxNameLength);
            j.Property(x => x.CancelledBy).HasMaxLength(User.MaxNameLength);
            j.Property(x => x.Owner).HasMaxLength(200);
            j.HasIndex(x => new { x.Dataset, x.CreatedAt });
            j.HasIndex(x => x.State);
            AsJson(j.Property(x => x.SkippedFiles));
        });

    // Dataset review: measures and embeddings per image content, and one stored report per review.
    private static void ConfigureReview(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ImageSignature>(s =>
        {
            s.HasKey(x => x.Sha256);
            s.Property(x => x.Sha256).HasMaxLength(64);
        });
        modelBuilder.Entity<ImageEmbedding>(e =>
        {
            e.HasKey(x => new { x.Sha256, x.Backbone });
            e.Property(x => x.Sha256).HasMaxLength(64);
            e.Property(x => x.Backbone).HasMaxLength(100);
        });
        modelBuilder.Entity<DatasetReview>(r =>
        {
            r.HasIndex(x => new { x.DatasetVersionId, x.CreatedAt });
            r.HasOne<DatasetVersion>().WithMany().HasForeignKey(x => x.DatasetVersionId).OnDelete(DeleteBehavior.Cascade);
            AsJson(r.Property(x => x.Report));
        });
    }

    private static void ConfigurePipelines(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<PipelineVersion>(p =>
        {
            p.Property(x => x.Name).HasMaxLength(PipelineVersion.MaxNameLength);
            p.HasIndex(x => new { x.Name, x.Number }).IsUnique();
        });

        modelBuilder.Entity<PipelineResult>(r =>
        {
            r.Property(x => x.Pipeline).HasMaxLength(PipelineVersion.MaxNameLength);
            r.Property(x => x.TopLabel).HasMaxLength(200);
            r.Property(x => x.ThumbnailSha256).HasMaxLength(64);
            r.HasIndex(x => new { x.Pipeline, x.Id });
            AsJson(r.Property(x => x.Detections));
        });

        modelBuilder.Entity<PipelineAlert>(a =>
        {
            a.Property(x => x.Pipeline).HasMaxLength(PipelineVersion.MaxNameLength);
            a.Property(x => x.Label).HasMaxLength(200);
            a.HasIndex(x => new { x.Pipeline, x.Id });
        });

        modelBuilder.Entity<PipelineDeployment>(d =>
        {
            d.HasKey(x => x.Name);
            d.Property(x => x.Name).HasMaxLength(PipelineVersion.MaxNameLength);
            d.Property(x => x.Host).HasMaxLength(256);
            d.Property(x => x.ResumeError).HasMaxLength(2000);
        });
    }

    // Small value objects live as JSON text in one column: they are read whole and never queried into.
    private static void AsJson<T>(PropertyBuilder<T> property)
    {
        property.HasConversion(
            v => JsonSerializer.Serialize(v, Json),
            s => JsonSerializer.Deserialize<T>(s, Json)!,
            new ValueComparer<T>(
                (a, b) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json),
                v => JsonSerializer.Serialize(v, Json).GetHashCode(StringComparison.Ordinal),
                v => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(v, Json), Json)!));
    }
}
