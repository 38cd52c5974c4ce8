using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace VisionFactory.Testing;

/// <summary>
/// Waits for something that happens in the background (a run finishing, an import job ending, frames arriving): reads
/// it every <see cref="Interval"/> until it holds, and fails the test after the timeout with what was awaited and the
/// last value seen. The one polling loop of the tests.
/// </summary>
public static class Eventually
{
    /// <summary>The pause between two reads unless a caller asks for another.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits until <paramref name="condition"/> holds; <paramref name="state"/> describes what was seen when it never did.</summary>
    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? state = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return TrueAsync(() => Task.FromResult(condition()), timeout, what, state, interval);
    }

    /// <summary>Waits until <paramref name="condition"/> holds; <paramref name="state"/> describes what was seen when it never did.</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? state = null, TimeSpan? interval = null) =>
        ValueAsync(condition, holds => holds, timeout, what, _ => state?.Invoke() ?? "the condition was still false", interval);

    /// <summary>
    /// Reads a value until <paramref name="until"/> accepts it and returns that value; on timeout the failure shows the last
    /// value read (through <paramref name="describe"/>; otherwise a JsonNode as one line of JSON, anything else by <c>ToString()</c>).
    /// </summary>
    public static async Task<T> ValueAsync<T>(
        Func<Task<T>> read, Func<T, bool> until, TimeSpan timeout, string what, Func<T, string>? describe = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(until);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (until(value))
            {
                return value;
            }

            if (clock.Elapsed >= timeout)
            {
                var seen = describe?.Invoke(value) ?? (value is JsonNode json ? json.ToJsonString() : value?.ToString() ?? "null");
                throw new TimeoutException(string.Create(
                    CultureInfo.InvariantCulture, $"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}; last seen: {seen}"));
            }

            await Task.Delay(interval ?? Interval);
        }
    }
}
