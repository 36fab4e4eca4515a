using System.Collections.Frozen;
using System.Text.Json;

namespace EvoR.Sandbox.Languages;

/// <summary>The languages this service offers, looked up by name or alias (case-insensitive).</summary>
public sealed class LanguageCatalog
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private readonly FrozenDictionary<string, LanguageDefinition> _byName;

    public LanguageCatalog(IEnumerable<LanguageDefinition> languages)
    {
        All = [.. languages];
        var map = new Dictionary<string, LanguageDefinition>(StringComparer.OrdinalIgnoreCase);
        foreach (var language in All)
        {
            if (language.IsCompiled && language.Artifact is null)
            {
                throw new InvalidOperationException($"Language '{language.Name}' has a compile step but no artifact.");
            }

            foreach (var name in language.Aliases.Prepend(language.Name))
            {
                if (!map.TryAdd(name, language))
                {
                    throw new InvalidOperationException($"Language name or alias '{name}' is defined twice.");
                }
            }
        }

        _byName = map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<LanguageDefinition> All { get; }

    public bool TryGet(string name, out LanguageDefinition language) =>
        _byName.TryGetValue(name, out language!);

    /// <summary>The built-in languages from the embedded <c>languages.json</c>.</summary>
    public static LanguageCatalog LoadBuiltIn()
    {
        using var stream = typeof(LanguageCatalog).Assembly.GetManifestResourceStream("EvoR.Sandbox.languages.json")
            ?? throw new InvalidOperationException("The embedded languages.json is missing.");
        var languages = JsonSerializer.Deserialize<List<LanguageDefinition>>(stream, JsonOptions)
            ?? throw new InvalidOperationException("languages.json is empty.");
        return new LanguageCatalog(languages.Select(l => l.WarmRun is null ? l : l with { WarmRun = [.. l.WarmRun.Select(EmbeddedArgument)] }));
    }

    private const string EmbeddedPrefix = "@embedded:";

    /// <summary>An argument that names an embedded file (a runner script kept as a file, not a JSON string) becomes
    /// that file's text.</summary>
    private static string EmbeddedArgument(string argument)
    {
        if (!argument.StartsWith(EmbeddedPrefix, StringComparison.Ordinal))
        {
            return argument;
        }

        var name = "EvoR.Sandbox.Languages." + argument[EmbeddedPrefix.Length..];
        using var stream = typeof(LanguageCatalog).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"languages.json names the embedded file '{name}', which is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
