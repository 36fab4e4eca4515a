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

    /// <summary>An argument that names embedded files (<c>@embedded:a.py+b.py</c>: runner scripts kept as files, not
    /// JSON strings) becomes their texts, one after the other.</summary>
    private static string EmbeddedArgument(string argument) =>
        argument.StartsWith(EmbeddedPrefix, StringComparison.Ordinal)
            ? string.Join('\n', argument[EmbeddedPrefix.Length..].Split('+').Select(EmbeddedScripts.Read))
            : argument;
}
