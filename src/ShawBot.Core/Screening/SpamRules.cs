using System.Text.RegularExpressions;

namespace ShawBot.Core.Screening;

/// <summary>One named pattern of the spam rules file.</summary>
public sealed record SpamRule(string Name, Regex Pattern);

/// <summary>
/// The user-editable spam rules (prompts/screening.txt): one rule per line, a name, whitespace, then a .NET
/// regular expression matched case-insensitively anywhere in the comment; '#' starts a comment line. Several
/// lines may share a name. A match flags the comment "spam: NAME (“matched text”)".
/// </summary>
public sealed class SpamRules
{
    /// <summary>Bounds each match so a pathological pattern cannot stall the drafter.</summary>
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    public SpamRules(IReadOnlyList<SpamRule> rules) => Rules = rules;

    public static SpamRules None { get; } = new([]);

    public IReadOnlyList<SpamRule> Rules { get; }

    /// <summary>Parses the rules; a bad line throws <see cref="FormatException"/> naming <paramref name="source"/> and the line.</summary>
    public static SpamRules Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<SpamRule>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var split = line.IndexOfAny([' ', '\t']);
            if (split < 0)
            {
                throw new FormatException($"{source}:{i + 1}: expected a rule name, whitespace and a pattern, got '{line}'");
            }

            var name = line[..split];
            var pattern = line[split..].Trim();
            try
            {
                rules.Add(new SpamRule(name, new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeout)));
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"{source}:{i + 1}: rule '{name}' has an invalid pattern: {e.Message}", e);
            }
        }

        return new SpamRules(rules);
    }

    public static SpamRules Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>One flag per rule name that matches, in file order.</summary>
    public IReadOnlyList<string> Match(string text)
    {
        var flags = new List<string>();
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in Rules)
        {
            if (named.Contains(rule.Name))
            {
                continue;
            }

            Match match;
            try
            {
                match = rule.Pattern.Match(text);
            }
            catch (RegexMatchTimeoutException)
            {
                flags.Add($"spam: {rule.Name} (pattern timed out)");
                named.Add(rule.Name);
                continue;
            }

            if (match.Success)
            {
                var shown = match.Value.Length > 40 ? match.Value[..40] + "…" : match.Value;
                flags.Add($"spam: {rule.Name} (“{shown.Trim()}”)");
                named.Add(rule.Name);
            }
        }

        return flags;
    }
}
