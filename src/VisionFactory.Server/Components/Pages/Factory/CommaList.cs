using System.Globalization;
using VisionFactory.Domain;

namespace VisionFactory.Server.Components.Pages.Factory;

/// <summary>Reads "0.01, 0.05" as a list; a value that does not read says which one and how to write it.</summary>
public static class CommaList
{
    public static List<double> Doubles(string? text, string what) =>
        Parse<double>(text, what, "0.01, 0.05", s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null);

    public static List<int> Integers(string? text, string what) =>
        Parse<int>(text, what, "16, 32", s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null);

    private static List<T> Parse<T>(string? text, string what, string example, Func<string, T?> parse)
        where T : struct
    {
        var values = new List<T>();
        foreach (var part in (text ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            values.Add(parse(part) ?? throw ProblemException.Invalid($"'{part}' in {what} is not a number: separate them with commas, e.g. {example}"));
        }

        return values;
    }
}
