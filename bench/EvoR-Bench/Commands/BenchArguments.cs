using System.Globalization;

namespace EvoR.Bench.Commands;

/// <summary>
/// A parsed command line: the command name, the bench's own <c>--name value</c> options, and the configuration
/// overrides (<c>--Sandbox:Key=value</c> or <c>--Sandbox:Key value</c>: any option whose name holds a colon).
/// </summary>
internal sealed record BenchArguments(
    string? Command,
    IReadOnlyDictionary<string, string> Options,
    IReadOnlyList<string> ConfigurationArgs)
{
    /// <exception cref="ArgumentException">An option lacks its value, or is given twice.</exception>
    public static BenchArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? command = null;
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var configuration = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (command is not null)
                {
                    throw new ArgumentException($"Unexpected argument '{arg}'.");
                }

                command = arg;
                continue;
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? arg[2..] : arg[2..eq];
            string value;
            if (eq >= 0)
            {
                value = arg[(eq + 1)..];
            }
            else if (name is "help" or "h")
            {
                value = "true";
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new ArgumentException($"Option '--{name}' needs a value.");
            }

            if (name.Length == 0)
            {
                throw new ArgumentException($"Invalid option '{arg}'.");
            }

            if (name.Contains(':', StringComparison.Ordinal))
            {
                configuration.Add($"--{name}={value}");
            }
            else if (!options.TryAdd(name, value))
            {
                throw new ArgumentException($"Option '--{name}' is given twice.");
            }
        }

        return new BenchArguments(command, options, configuration);
    }

    public bool Has(string name) => Options.ContainsKey(name);

    public string? GetString(string name) => Options.TryGetValue(name, out var value) ? value : null;

    /// <exception cref="ArgumentException">The value is not an integer in <paramref name="min"/>–<paramref name="max"/>.</exception>
    public int GetInt(string name, int defaultValue, int min, int max)
    {
        if (!Options.TryGetValue(name, out var text))
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new ArgumentException($"Option '--{name}' must be an integer between {min} and {max}; got '{text}'.");
        }

        return value;
    }

    /// <summary>Names of options that are not in <paramref name="known"/>.</summary>
    public IReadOnlyList<string> Unknown(IEnumerable<string> known)
    {
        var set = new HashSet<string>(known, StringComparer.OrdinalIgnoreCase) { "help", "h" };
        return [.. Options.Keys.Where(k => !set.Contains(k))];
    }
}
