using EvoR.Sandbox.Backends;
using Microsoft.Extensions.Options;
using static System.FormattableString;

namespace EvoR.Sandbox.Execution;

/// <summary>
/// The named, read-only library folders configured on the service (<c>Sandbox:Libraries:NAME:Path</c>): a request asks
/// for them by name (<c>libraries</c>), and they are bound read-only at <c>/libraries/NAME</c> on either backend and put
/// on the language's import path (Python: <c>PYTHONPATH</c>). Those marked <c>EveryRun</c>, and the older
/// <c>Sandbox:Process:Libraries:NAME</c> folders, are in every run whether asked for or not. A caller never uploads
/// a library: only the service's configuration names folders.
/// </summary>
public sealed class NamedLibraries
{
    /// <summary>Where the libraries appear in the sandbox.</summary>
    public const string MountRoot = "/libraries";

    /// <summary>Per language, the variable of its import path, how one library folder is written in it, and the
    /// separator (Lua's path also keeps its defaults with a trailing <c>;;</c>).</summary>
    private static readonly Dictionary<string, (string Variable, string Entry, string Separator, string Tail)> ImportPaths =
        new(StringComparer.Ordinal)
        {
            ["python"] = ("PYTHONPATH", "{0}", ":", ""),
            ["lua"] = ("LUA_PATH", "{0}/?.lua;{0}/?/init.lua", ";", ";;"),
        };

    private readonly Dictionary<string, SandboxLibrary> _all = new(StringComparer.Ordinal);
    private readonly List<SandboxLibrary> _everyRun = [];

    public NamedLibraries(IOptions<SandboxOptions> options)
    {
        var o = options.Value;
        foreach (var (name, library) in o.Libraries.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            Add(name, library.Path, library.EveryRun);
        }

        foreach (var (name, path) in o.Process.Libraries.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            if (!_all.ContainsKey(name))
            {
                Add(name, path, everyRun: true);
            }
        }
    }

    /// <summary>The configured names, in order.</summary>
    public IReadOnlyList<string> Names => [.. _all.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Why a configured name cannot be a library's (a sentence), or null when it is a single path segment of
    /// letters, digits, <c>-</c> and <c>_</c>.</summary>
    public static string? NameProblem(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? null
            : $"library name '{name}' must be letters, digits, '-' and '_'";

    /// <summary>The libraries of one run: the every-run ones, then those the request names.</summary>
    /// <exception cref="ExecutionRequestException">A name the service does not configure.</exception>
    public IReadOnlyList<SandboxLibrary> Resolve(IReadOnlyList<string>? requested)
    {
        var libraries = new List<SandboxLibrary>(_everyRun);
        for (var i = 0; i < (requested?.Count ?? 0); i++)
        {
            var name = requested![i];
            if (name is null || !_all.TryGetValue(name, out var library))
            {
                throw new ExecutionRequestException(RequestErrorKind.UnknownLibrary,
                    _all.Count == 0
                        ? $"Unknown library '{name}': this service configures none (Sandbox:Libraries:NAME:Path)."
                        : $"Unknown library '{name}'. Known: {string.Join(", ", Names)}.",
                    Invariant($"libraries[{i}]"));
            }

            if (!libraries.Contains(library))
            {
                libraries.Add(library);
            }
        }

        return libraries;
    }

    /// <summary>Puts the libraries on the language's import path, after what the environment already names there.</summary>
    public static void AddImportPath(IDictionary<string, string> environment, string language, IReadOnlyList<SandboxLibrary> libraries)
    {
        if (libraries.Count == 0 || !ImportPaths.TryGetValue(language, out var path))
        {
            return;
        }

        var entries = new List<string>();
        if (environment.TryGetValue(path.Variable, out var existing) && existing.Length > 0)
        {
            entries.AddRange(existing.TrimEnd(';').Split(path.Separator, StringSplitOptions.RemoveEmptyEntries));
        }

        foreach (var library in libraries)
        {
            var entry = string.Format(System.Globalization.CultureInfo.InvariantCulture, path.Entry, library.SandboxPath);
            if (!entries.Contains(entry, StringComparer.Ordinal))
            {
                entries.Add(entry);
            }
        }

        environment[path.Variable] = string.Join(path.Separator, entries) + path.Tail;
    }

    private void Add(string name, string? hostPath, bool everyRun)
    {
        if (NameProblem(name) is { } problem)
        {
            throw new OptionsValidationException(SandboxOptions.SectionName, typeof(SandboxOptions), [$"Sandbox:Libraries:{name}: {problem}."]);
        }

        if (string.IsNullOrWhiteSpace(hostPath) || !Path.IsPathRooted(hostPath))
        {
            throw new OptionsValidationException(SandboxOptions.SectionName, typeof(SandboxOptions),
                [$"Sandbox:Libraries:{name}:Path must be an absolute host folder (got '{hostPath}')."]);
        }

        var library = new SandboxLibrary(name, Path.TrimEndingDirectorySeparator(hostPath));
        _all[name] = library;
        if (everyRun)
        {
            _everyRun.Add(library);
        }
    }
}
