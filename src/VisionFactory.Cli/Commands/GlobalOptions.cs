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

    /// <summary>The data directory and database the options (or the environment) name.</summary>
    public DataDirectory DataOf(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var dataPath = parse.GetValue(Data) is { Length: > 0 } given ? given
            : Environment.GetEnvironmentVariable(DataDirectory.EnvironmentVariable) is { Length: > 0 } set ? set : "data";
        return new DataDirectory(dataPath, parse.GetValue(Database) ?? Environment.GetEnvironmentVariable(DataDirectory.DatabaseEnvironmentVariable));
    }

    /// <summary>
    /// Runs a command body with its context; a <see cref="ProblemException"/> becomes a message (or a JSON error
    /// document) and the exit code of its kind: 2 invalid input, 3 not found, 4 conflict, 5 damaged data.
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
        var context = new CliContext(output, error, json, interactive, DataOf(parse));
        try
        {
            return await body(context).ConfigureAwait(false);
        }
        catch (ProblemException e)
        {
            return Fail(context, e.Kind, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(context, null, "cancelled; nothing was stored");
        }
    }

    private static int Fail(CliContext context, ProblemKind? kind, string message)
    {
        var code = kind switch
        {
            ProblemKind.Invalid => 2,
            ProblemKind.NotFound => 3,
            ProblemKind.Conflict => 4,
            ProblemKind.Damaged => 5,
            _ => 130,
        };
        if (context.Json)
        {
            context.WriteJson(new { error = message, kind = kind?.ToString().ToLowerInvariant() ?? "cancelled", exit_code = code });
        }

        context.Error.WriteLine("error: " + message);
        return code;
    }
}
