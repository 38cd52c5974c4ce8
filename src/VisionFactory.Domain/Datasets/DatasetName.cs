using System.Text.RegularExpressions;

namespace VisionFactory.Domain.Datasets;

/// <summary>The rule for dataset names: short, safe in URLs, paths and shells.</summary>
public static partial class DatasetName
{
    public const int MaxLength = 64;

    /// <summary>Returns null when <paramref name="name"/> is a valid dataset name, else the reason it is not.</summary>
    public static string? Validate(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "a dataset name is required";
        }

        if (name.Length > MaxLength)
        {
            return $"the dataset name is {name.Length} characters long; the limit is {MaxLength}";
        }

        return ValidName().IsMatch(name)
            ? null
            : $"'{name}' is not a valid dataset name: use lower-case letters, digits, '-', '_' and '.', starting with a letter or digit";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();
}
