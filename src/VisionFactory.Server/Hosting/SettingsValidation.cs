using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace VisionFactory.Server.Hosting;

/// <summary>
/// Checks one settings section: its data annotations and the rules that span fields or need more than an attribute
/// (CIDR lists, addresses, folders that must exist). Each failure names the setting as an administrator writes it
/// (<c>Collect:Web:MaxBytes is -1, but must be at least 1</c>), so that a bad value stops the host at start with a
/// message that says what to fix.
/// </summary>
/// <param name="section">The section's path, e.g. <c>Collect:Web</c>.</param>
/// <param name="rules">Further rules; each failure a whole sentence naming its setting.</param>
internal sealed class SettingsValidation<TOptions>(string section, Func<TOptions, IEnumerable<string>>? rules = null) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var property in typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(options);
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>().Where(a => !a.IsValid(value)))
            {
                failures.Add($"{section}:{property.Name} {Describe(attribute, property.Name, value)}");
            }
        }

        failures.AddRange(rules?.Invoke(options) ?? []);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Describe(ValidationAttribute attribute, string name, object? value) => attribute switch
    {
        RangeAttribute range when Unbounded(range.Maximum) => string.Create(CultureInfo.InvariantCulture, $"is {value}, but must be at least {range.Minimum}"),
        RangeAttribute range => string.Create(CultureInfo.InvariantCulture, $"is {value}, but must be between {range.Minimum} and {range.Maximum}"),
        _ => "is not valid: " + attribute.FormatErrorMessage(name),
    };

    private static bool Unbounded(object maximum) =>
        maximum is int.MaxValue or long.MaxValue or >= (double)long.MaxValue || (maximum is TimeSpan span && span == TimeSpan.MaxValue)
        || (maximum is string text && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) && parsed == TimeSpan.MaxValue);
}
