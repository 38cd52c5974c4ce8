namespace VisionFactory.Domain;

/// <summary>What kind of problem a request ran into; decides the HTTP status and the CLI exit code.</summary>
public enum ProblemKind
{
    /// <summary>The input cannot be used as given (400, exit code 2).</summary>
    Invalid,

    /// <summary>A named dataset, model or file does not exist (404, exit code 3).</summary>
    NotFound,

    /// <summary>The request clashes with what is stored (409, exit code 4).</summary>
    Conflict,

    /// <summary>Stored data is missing or damaged (500, exit code 5).</summary>
    Damaged,

    /// <summary>The caller's role does not allow this change (403; the CLI acts as the machine's operator and never meets it).</summary>
    Forbidden,

    /// <summary>The disk holding the data directory or the database is full (507, exit code 7).</summary>
    InsufficientStorage,
}

/// <summary>A failure with a message a person can act on, as opposed to a bug.</summary>
public sealed class ProblemException : Exception
{
    public ProblemException()
        : this(ProblemKind.Invalid, "invalid request")
    {
    }

    public ProblemException(string message)
        : this(ProblemKind.Invalid, message)
    {
    }

    public ProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = ProblemKind.Invalid;
    }

    public ProblemException(ProblemKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public ProblemKind Kind { get; }

    public static ProblemException NotFound(string message) => new(ProblemKind.NotFound, message);

    public static ProblemException Invalid(string message) => new(ProblemKind.Invalid, message);

    public static ProblemException Conflict(string message) => new(ProblemKind.Conflict, message);

    public static ProblemException Damaged(string message, Exception? inner = null) => new(ProblemKind.Damaged, message, inner);

    public static ProblemException Forbidden(string message) => new(ProblemKind.Forbidden, message);
    public static ProblemException InsufficientStorage(string message, Exception? inner = null) =>
        new(ProblemKind.InsufficientStorage, message, inner);
}
