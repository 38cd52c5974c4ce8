using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using VisionFactory.Factory.Runs;
using VisionFactory.Datasets.Catalog;
using VisionFactory.Datasets.Editing;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Review;
using VisionFactory.Factory.Review;
using VisionFactory.Learning.Review;
using VisionFactory.Factory.Models;
using VisionFactory.Factory.Training;
using VisionFactory.Factory.Zoo;
using VisionFactory.Learning.Weights;
using VisionFactory.Datasets;
using VisionFactory.Imaging;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Learning;
using VisionFactory.Learning.Data;
using VisionFactory.Learning.Inference;
using VisionFactory.Learning.Training;
using VisionFactory.Storage;
using VisionFactory.Storage.Blobs;
using VisionFactory.Storage.Database;

namespace VisionFactory.Factory;

/// <summary>The platform's services, shared by the web host and the command line.</summary>
public static class ServiceRegistration
{
    /// <param name="services">The container.</param>
    /// <param name="data">Where the database, blobs, checkpoints and caches live.</param>
    /// <param name="factory">How this process takes part in training; defaults when null.</param>
    public static IServiceCollection AddVisionFactory(this IServiceCollection services, DataDirectory data, FactoryOptions? factory = null)
    {
        factory ??= new FactoryOptions();
        if (factory.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(factory));
        }

        services.AddSingleton(factory);

        // Who is asking: nobody (every change refused) until the host says; the CLI registers the operator first.
        services.TryAddScoped<Domain.Users.Caller>();
        services.AddLogging();
        services.TryAddTimeProvider();

        // The projects below, each registering its own services.
        services.AddVisionFactoryStorage(data);
        services.AddVisionFactoryImaging(data.CachePath);
        services.AddVisionFactoryLearning(data.CachePath);
        services.AddVisionFactoryDatasets();

        // Pixels for training and review: Learning's source over Storage's blobs and Imaging's cache and limits.
        services.AddScoped(sp => new PixelSource(
            sp.GetRequiredService<PixelCache>(), sp.GetRequiredService<BlobStore>().ReadAllBytes, sp.GetRequiredService<ImageLimits>()));
        services.AddScoped<IImportedWeightsFiles, ImportedWeightsSource>();
        services.AddSingleton<ZooProfilingGate>();
        services.AddScoped<ZooService>();
        services.AddScoped<PretrainedWeightsService>();
        services.AddScoped<ModelEvaluator>();
        services.AddScoped<Evaluation.HeatMaps.HeatMapChecker>();
        services.TryAddSingleton<Evaluation.HeatMaps.IFaceLocator, Evaluation.HeatMaps.NoFaceLocator>();
        services.AddScoped<TrainingService>();
        services.AddScoped<ModelService>();
        services.AddScoped<ModelExportService>();
        services.AddScoped<ModelImportService>();
        services.AddScoped<Int8Gate>();
        services.AddScoped<IReviewModel, BackboneReviewModel>();
        services.AddSingleton<ReviewJobs>();
        services.AddScoped<ReviewService>();
        services.AddScoped<Evaluation.EvaluationService>();
        services.AddScoped<Evaluation.ExternalTestSets>();
        services.AddScoped<Explanations.ExplanationService>();
        services.AddSingleton<Explanations.ExplanationNetworks>();
        services.AddScoped<LeaderboardService>();
        services.AddScoped<ModelEngines>();
        services.AddScoped<BatchClassifier>();

        // Hangfire's log provider is process-wide, while a service provider (a CLI command, a test host) is not: one
        // disposed while another still enqueues would leave Hangfire logging into a disposed logger factory. The runs
        // table and the executor's own logs say what happened to every run, so Hangfire's internal logging stays off.
        services.AddHangfire(c => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseNoOpLogProvider()
            .UseQueueStorage(data, factory));

        // Hangfire hands a service provider whatever storage and job activator are current in the process
        // (JobStorage.Current, JobActivator.Current) when it first asks; two hosts starting at once (test hosts, each
        // with its own data folder) could then enqueue into each other's queue file, or run a job with the other host's
        // services, leaving a run queued forever. Each provider owns its activator, and its storage when embedded.
        services.AddSingleton<JobActivator>(provider =>
        {
            _ = provider.GetRequiredService<IGlobalConfiguration>();
            return new Hangfire.AspNetCore.AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>());
        });
        if (data.Postgres is null)
        {
            services.AddSingleton<JobStorage>(provider =>
            {
                _ = provider.GetRequiredService<IGlobalConfiguration>();
                return new SQLiteStorage(data.QueueDatabasePath, new SQLiteStorageOptions { QueuePollInterval = factory.QueuePollInterval });
            });
        }

        services.AddSingleton<IRunDispatcher, HangfireRunDispatcher>();
        services.AddSingleton<RunEvents>();
        services.AddSingleton<RunLeases>();
        services.AddSingleton<ThreadBudget>();
        services.AddSingleton<RunWatcher>();
        services.AddScoped<RunService>();
        services.AddScoped<SweepService>();
        services.AddScoped<RunExecutor>();
        return services;
    }

    /// <summary>
    /// Makes this process a worker: it takes queued runs within its thread budget, and it watches for runs whose
    /// worker vanished. Needs a host (the web host, or a generic host).
    /// </summary>
    public static IServiceCollection AddRunWorker(this IServiceCollection services, FactoryOptions factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        services.AddHangfireServer(o =>
        {
            o.ServerName = factory.WorkerName;

            // Every run needs at least one thread, so the budget bounds how many can train here at once.
            o.WorkerCount = factory.ThreadBudget;
            o.SchedulePollingInterval = factory.QueuePollInterval;
        });
        services.AddHostedService<LeaseReaper>();
        return services;
    }

    /// <summary>The queue's storage: its own SQLite file embedded, the shared PostgreSQL database in scale-out.</summary>
    private static IGlobalConfiguration UseQueueStorage(this IGlobalConfiguration configuration, DataDirectory data, FactoryOptions factory) =>
        data.Postgres is { } postgres
            ? configuration.UsePostgreSqlStorage(
                o => o.UseNpgsqlConnection(postgres),
                new PostgreSqlStorageOptions { QueuePollInterval = factory.QueuePollInterval, PrepareSchemaIfNecessary = true })
            : configuration.UseSQLiteStorage(data.QueueDatabasePath, new SQLiteStorageOptions { QueuePollInterval = factory.QueuePollInterval });

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    /// <summary>Applies pending schema migrations; call once at start.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        await DatabaseSetup.MigrateAsync(scope.ServiceProvider.GetRequiredService<VisionFactoryDb>(), cancellationToken).ConfigureAwait(false);
    }
}
