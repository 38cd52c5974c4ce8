using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using VisionFactory.Domain;
using VisionFactory.Storage.Space;

namespace VisionFactory.Server.Hosting;

/// <summary>
/// Turns exceptions into ProblemDetails: a <see cref="ProblemException"/> keeps its status and message, a request
/// that cannot be bound gets 400 with the reason, a training engine that cannot load its native library 503 with
/// the reason, a full disk 507 ("not enough space"), anything else is a 500 without internals.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problemDetails, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        var problem = exception switch
        {
            _ when DiskSpace.AsProblem(exception) is { } full => new ProblemDetails
            {
                Status = StatusCodes.Status507InsufficientStorage,
                Title = TitleOf(ProblemKind.InsufficientStorage),
                Detail = full.Message,
            },
            ProblemException p => new ProblemDetails { Status = StatusOf(p.Kind), Title = TitleOf(p.Kind), Detail = p.Message },
            BadHttpRequestException b => new ProblemDetails
            {
                Status = b.StatusCode,
                Title = b.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request is too large" : "The request is invalid",
                Detail = DetailOf(b),
            },
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => null,
            _ when Learning.Native.TorchNativeLibrary.FailureReason(exception) is { } reason => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The training engine is not available",
                Detail = $"its native library (libtorch) could not be loaded: {reason}",
            },
            _ => new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "An unexpected error occurred" },
        };

        if (problem is null)
        {
            // The client went away; nobody is left to read an answer.
            return true;
        }

        if (problem.Status is StatusCodes.Status500InternalServerError or StatusCodes.Status503ServiceUnavailable)
        {
            LogUnexpected(logger, httpContext.Request.Method, httpContext.Request.Path.ToString(), exception);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        }).ConfigureAwait(false);
    }

    private static int StatusOf(ProblemKind kind) => kind switch
    {
        ProblemKind.Invalid => StatusCodes.Status400BadRequest,
        ProblemKind.NotFound => StatusCodes.Status404NotFound,
        ProblemKind.Conflict => StatusCodes.Status409Conflict,
        ProblemKind.Forbidden => StatusCodes.Status403Forbidden,
        ProblemKind.InsufficientStorage => StatusCodes.Status507InsufficientStorage,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static string TitleOf(ProblemKind kind) => kind switch
    {
        ProblemKind.Invalid => "The request is invalid",
        ProblemKind.NotFound => "Not found",
        ProblemKind.Conflict => "The request conflicts with what is stored",
        ProblemKind.Forbidden => "Your role does not allow this",
        ProblemKind.InsufficientStorage => "Not enough space",
        _ => "Stored data is missing or damaged",
    };

    // The framework's own message names the parameter; the JSON reader's says where in the body it went wrong.
    private static string DetailOf(BadHttpRequestException exception) => exception.InnerException is JsonException json
        ? "the request body is not valid JSON for this endpoint: " + Describe(json)
        : exception.Message;

    /// <summary>A JSON error in the API's terms: the field at fault rather than the .NET type it was bound to.</summary>
    public static string Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Path is { Length: > 1 } path &&
               exception.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
            ? $"the value at {path} has the wrong type or is not one of the allowed values (the OpenAPI document at /openapi/v1.json lists them)"
            : exception.Message;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure in {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, string method, string path, Exception exception);
}
