using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using VisionFactory.Domain;
using VisionFactory.Learning.Native;
using VisionFactory.Storage.Space;

namespace VisionFactory.Cli.Output;

/// <summary>
/// How a failed command ends: one message a person can act on, an optional hint, a kind for <c>--json</c> and the
/// documented exit code (README, "Exit codes").
/// </summary>
/// <param name="Message">What went wrong, in the user's terms.</param>
/// <param name="Kind">The error document's <c>kind</c>: invalid, notfound, conflict, damaged, engine, nospace, unexpected, cancelled.</param>
/// <param name="ExitCode">2 invalid input, 3 not found, 4 conflict, 5 damaged data, 6 the training engine cannot load, 7 not enough disk space, 1 anything else, 130 cancelled.</param>
/// <param name="Hint">A second line, e.g. what to try next; null when the message says it all.</param>
public sealed partial record CliFailure(string Message, string Kind, int ExitCode, string? Hint)
{
    private const string VerboseHint = "run the command again with --verbose to see where it failed";

    /// <summary>Ctrl+C (or SIGTERM) stopped the command.</summary>
    public static CliFailure Cancelled() => new("cancelled; nothing was stored", "cancelled", 130, null);

    /// <summary>The failure an exception stands for.</summary>
    public static CliFailure Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (DiskSpace.AsProblem(exception) is { } full)
            return new CliFailure(full.Message, "nospace", ExitCodeOf(ProblemKind.InsufficientStorage), null);
        if (exception is ProblemException problem)
            return new CliFailure(problem.Message, problem.Kind.ToString().ToLowerInvariant(), ExitCodeOf(problem.Kind), null);
        if (SettingsFailures(exception) is { Count: > 0 } settings)
        {
            return new CliFailure(
                "the settings are not valid: " + string.Join("; ", settings),
                "invalid",
                2,
                "correct them (appsettings.json, environment variables such as Collect__Web__MaxBytes, or --Section:Key=value) and start again");
        }

        if (TorchNativeLibrary.FailureReason(exception) is { } reason)
        {
            return new CliFailure(
                $"the training engine's native library (libtorch) could not be loaded: {reason}",
                "engine",
                6,
                "reinstall vf (dotnet publish src/VisionFactory.Cli -c Release -o out) and check that the machine is linux-x64 with glibc; " + VerboseHint);
        }

        if (AddressInUse(exception) is { } address)
        {
            return new CliFailure(
                $"cannot listen on {address}: the address is already in use (is another vf serve running?)",
                "conflict",
                4,
                "stop the other server, or choose another address: vf serve --urls http://localhost:5001");
        }

        if (Innermost(exception) is UnauthorizedAccessException denied)
            return new CliFailure($"permission denied: {denied.Message}", "invalid", 2, null);

        return new CliFailure(Innermost(exception).Message, "unexpected", 1, VerboseHint);
    }

    /// <summary>The exit code of a problem's kind.</summary>
    public static int ExitCodeOf(ProblemKind kind) => kind switch
    {
        ProblemKind.Invalid => 2,
        ProblemKind.NotFound => 3,
        ProblemKind.Conflict => 4,
        ProblemKind.Damaged => 5,
        ProblemKind.InsufficientStorage => 7,
        _ => 1,
    };

    private static string? AddressInUse(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                var match = BindAddress().Match(exception.Message);
                return match.Success ? match.Groups[1].Value : "the requested address";
            }
        }

        return null;
    }

    /// <summary>What the settings checks refused (every section's failures, however the host wrapped them).</summary>
    private static List<string> SettingsFailures(Exception exception) => exception switch
    {
        OptionsValidationException invalid => [.. invalid.Failures],
        AggregateException all => [.. all.InnerExceptions.SelectMany(SettingsFailures)],
        _ when exception.InnerException is { } inner => SettingsFailures(inner),
        _ => [],
    };

    private static Exception Innermost(Exception exception)
    {
        var e = exception;
        while (e is AggregateException or TypeInitializationException or System.Reflection.TargetInvocationException && e.InnerException is not null)
            e = e.InnerException;
        return e;
    }

    [GeneratedRegex(@"bind to address (\S+?):? ")]
    private static partial Regex BindAddress();
}
