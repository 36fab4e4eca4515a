using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Globalization;

namespace EvoR.Bench.Commands;

/// <summary>
/// <c>--help</c> for the commands that take configuration overrides (those that leave
/// <see cref="Command.TreatUnmatchedTokensAsErrors"/> off, so that <see cref="BenchCli.ConfigurationOverrides"/> gets
/// the tokens). System.CommandLine lists such tokens under a generic "Additional Arguments" section ("Arguments passed
/// to the application that is being run"), which tells a reader nothing here; this action writes the default help and
/// says in that section what the extra arguments are. Its help builder is internal to System.CommandLine, so the
/// section is rewritten in the rendered text: the last section, whose title is kept as rendered (it may be localized).
/// </summary>
internal sealed class ConfigurationOverridesHelpAction(HelpAction inner) : SynchronousCommandLineAction
{
    /// <summary>What the extra arguments of such a command are, as <c>--help</c> says it.</summary>
    public const string Description =
        "Configuration overrides, with the same keys as the EvoR service's settings (the sections of its appsettings.json): " +
        "--Section:Key=value or --Section:Key value, e.g. --Llm:Model=gpt-4o or --Sandbox:Backend=docker. " +
        "Environment variables such as Llm__Model set them too; an override wins.";

    /// <summary>As the default help: <c>run --help</c> shows help even without the required options.</summary>
    public override bool ClearsParseErrors => true;

    /// <summary>Puts this action in place of the default help of <paramref name="root"/> (recursive: every subcommand).</summary>
    public static void Install(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction original)
            {
                help.Action = new ConfigurationOverridesHelpAction(original);
            }
        }
    }

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        if (parseResult.CommandResult.Command.TreatUnmatchedTokensAsErrors)
        {
            return inner.Invoke(parseResult);
        }

        // The default help writes to the invocation's output; it is lent a buffer for the time of the call.
        var configuration = parseResult.InvocationConfiguration;
        var output = configuration.Output;
        using var rendered = new StringWriter(CultureInfo.InvariantCulture);
        configuration.Output = rendered;
        int exitCode;
        try
        {
            exitCode = inner.Invoke(parseResult);
        }
        finally
        {
            configuration.Output = output;
        }

        output.Write(DescribeOverrides(rendered.ToString()));
        return exitCode;
    }

    /// <summary>The help text with the body of its last section (the additional arguments) replaced by
    /// <see cref="Description"/>; unchanged when it has no section.</summary>
    internal static string DescribeOverrides(string help)
    {
        ArgumentNullException.ThrowIfNull(help);
        var lines = help.Split('\n').ToList();
        var title = lines.FindLastIndex(l => l.Length > 0 && !char.IsWhiteSpace(l[0]) && l.TrimEnd().EndsWith(':'));
        if (title < 0)
        {
            return help;
        }

        var end = title + 1;
        while (end < lines.Count && lines[end].Length > 0 && char.IsWhiteSpace(lines[end][0]) && lines[end].Trim().Length > 0)
        {
            end++;
        }

        var lineEnd = lines[title].EndsWith('\r') ? "\r" : "";
        lines.RemoveRange(title + 1, end - title - 1);
        lines.Insert(title + 1, "  " + Description + lineEnd);
        return string.Join('\n', lines);
    }
}
