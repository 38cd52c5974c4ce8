using System.Text.RegularExpressions;

namespace VisionFactory.Datasets.Collect.Web;

/// <summary>
/// The rules of one host's robots.txt for our user agent: the group naming our agent, else the <c>*</c> group; the
/// longest matching Allow or Disallow pattern wins (with <c>*</c> wildcards and a <c>$</c> end anchor); no rule allows.
/// </summary>
public sealed class RobotsTxt
{
    private readonly List<(bool Allow, string Pattern, Regex Match)> rules;

    private RobotsTxt(List<(bool, string, Regex)> rules) => this.rules = rules;

    public static RobotsTxt AllowAll { get; } = new([]);

    public static RobotsTxt Parse(string text, string userAgent)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(userAgent);
        var token = userAgent.Split('/', ' ')[0].ToLowerInvariant();
        var groups = new List<(List<string> Agents, List<(bool, string)> Rules)>();
        (List<string> Agents, List<(bool, string)> Rules)? current = null;
        var lastWasAgent = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#')[0].Trim();
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var field = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (field == "user-agent")
            {
                if (current is null || !lastWasAgent)
                {
                    current = ([], []);
                    groups.Add(current.Value);
                }

                current.Value.Agents.Add(value.ToLowerInvariant());
                lastWasAgent = true;
            }
            else if (field is "allow" or "disallow" && current is not null)
            {
                lastWasAgent = false;
                if (value.Length > 0)
                {
                    current.Value.Rules.Add((field == "allow", value));
                }
            }
        }

        var chosen = groups.Where(g => g.Agents.Any(a => a != "*" && token.Contains(a, StringComparison.Ordinal))).ToList();
        if (chosen.Count == 0)
        {
            chosen = groups.Where(g => g.Agents.Contains("*")).ToList();
        }

        return new RobotsTxt(chosen.SelectMany(g => g.Rules)
            .Select(r => (r.Item1, r.Item2, new Regex("^" + Regex.Escape(r.Item2).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\$", "$", StringComparison.Ordinal), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))))
            .ToList());
    }

    /// <summary>Whether <paramref name="pathAndQuery"/> may be fetched.</summary>
    public bool Allows(string pathAndQuery)
    {
        var best = rules.Where(r => r.Match.IsMatch(pathAndQuery)).OrderByDescending(r => r.Pattern.Length).ThenByDescending(r => r.Allow).FirstOrDefault();
        return best.Pattern is null || best.Allow;
    }
}
