using System.CommandLine;
using VisionFactory.Cli.Output;
using VisionFactory.Domain;
using VisionFactory.Storage;

namespace VisionFactory.Cli.Commands;

/// <summary>Options every command takes, and the error handling every command shares.</summary>
public sealed class GlobalOptions
{
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print one machine-readable JSON document instead of text",
        Recursive = true,
    };

    public Option<string?> Data { get; } = new("--data")
    {
        Description = "The data directory (default: $VF_DATA, else ./data)",
        Recursive = true,
    };

    public Option<string?> Database { get; } = new("--database")
    {
        Description = "A PostgreSQL connection string, for workers that share one database (default: $VF_DATABASE, else a SQLite file in the data directory)",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "On an error, also print where it happened (the exception and its stack trace)",
        Recursive = true,
    };

    /// <summary>The data directory and database the options (or the environment) name.</summary>
    public DataDirectory DataOf(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var dataPath = parse.GetValue(Data) is { Length: > 0 } given ? given
            : Environment.GetEnvironmentVariable(DataDirectory.EnvironmentVariable) is { Length: > 0 } set ? set : "data";
        return new DataDirectory(dataPath, parse.GetValue(Database) ?? Environment.GetEnvironmentVariable(DataDirectory.DatabaseEnvironmentVariable));
    }

    /// <summary>
    /// Runs a command body with its context. Every failure ends as one message on standard error (and one JSON error
    /// document with <c>--json</c>) with a documented exit code (<see cref="CliFailure"/>): a
    /// <see cref="ProblemException"/> by its kind (2 invalid input, 3 not found, 4 conflict, 5 damaged data, 7 not enough
    /// disk space, also when the disk fills under the command), anything else as 1, or 6 when the training engine's
    /// native library cannot load; <c>--verbose</c> adds the stack trace.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068", Justification = "The command body reads best as the last argument.")]
    public async Task<int> RunAsync(
        ParseResult parse, bool interactive, CancellationToken cancellationToken, Func<CliContext, Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(body);
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var json = parse.GetValue(Json);
        var verbose = parse.GetValue(Verbose);
        try
        {
            var context = new CliContext(output, error, json, interactive, DataOf(parse));
            return await body(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Report(CliFailure.Cancelled(), null);
        }
        catch (Exception e)
        {
            return Report(CliFailure.Of(e), e);
        }

        int Report(CliFailure failure, Exception? exception)
        {
            if (json)
            {
                output.WriteLine(System.Text.Json.JsonSerializer.Serialize(
                    new { error = failure.Message, kind = failure.Kind, exit_code = failure.ExitCode, detail = verbose ? exception?.ToString() : null },
                    CliJson.Options));
            }

            error.WriteLine("error: " + failure.Message);
            if (verbose && exception is not null)
                error.WriteLine(exception.ToString());
            else if (failure.Hint is not null)
                error.WriteLine(failure.Hint);
            return failure.ExitCode;
        }
    }
}
