namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// Reads EvoR-Bench (ARKS) data in the released layout (<c>../shared/docs/EVOR-BENCH-LAYOUT.md</c>): a task folder
/// (<c>ScipyM</c>, <c>TensorflowM</c>, <c>Pony</c>, <c>Ring</c>, or any folder with <c>docs/</c> and <c>examples/</c>)
/// or a data dir holding several. The whole folder is checked before anything is returned: every error names its file,
/// and a folder with any error throws <see cref="EvorBenchFormatException"/> (a problem is never silently dropped).
/// Nothing is unpickled: pickles are carried as bytes into the sandbox.
/// </summary>
/// <remarks>This class finds the tasks and puts each together; what a folder implies is
/// <see cref="EvorBenchTaskConventions"/>, one problem is <see cref="EvorBenchProblemReader"/>, the task-level files
/// are <see cref="EvorBenchTaskFiles"/>.</remarks>
internal static class EvorBenchLoader
{
    /// <summary>The released task names (case-sensitive, as <c>run.py</c>'s choices).</summary>
    public static readonly IReadOnlyList<string> ReleasedTasks = ["ScipyM", "TensorflowM", "Pony", "Ring"];

    public const string ManifestFile = "dataset.json";

    /// <summary>Loads every task under <paramref name="path"/>: the folder itself when it is a task folder, else each
    /// sub-folder that is one (ordinal order).</summary>
    /// <param name="path">A task folder or a data dir.</param>
    /// <param name="extraLibraries">Library folders given on the command line (<c>--library</c>), added to every task's
    /// <see cref="EvorBenchTask.Libraries"/>.</param>
    /// <exception cref="EvorBenchFormatException">Anything is wrong with the folder; every error is listed.</exception>
    public static IReadOnlyList<EvorBenchTask> Load(string path, IReadOnlyList<string>? extraLibraries = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var root = Path.GetFullPath(path);
        if (!Directory.Exists(root))
        {
            throw new EvorBenchFormatException([new(root, "no such folder.")]);
        }

        var errors = new List<EvorBenchFormatError>();
        var libraries = ResolveLibraries(extraLibraries ?? [], baseFolder: null, (_, full) => new(full, "the --library folder does not exist."), errors);

        var tasks = new List<EvorBenchTask>();
        if (IsTaskFolder(root))
        {
            LoadTask(root, libraries, errors, tasks);
        }
        else
        {
            var children = Directory.EnumerateDirectories(root).Where(IsTaskFolder).Order(StringComparer.Ordinal).ToList();
            if (children.Count == 0)
            {
                errors.Add(new(root, "neither a task folder (docs/ and examples/) nor a data dir holding one (e.g. ScipyM/, Pony/)."));
            }

            foreach (var child in children)
            {
                LoadTask(child, libraries, errors, tasks);
            }
        }

        if (errors.Count > 0)
        {
            throw new EvorBenchFormatException(errors);
        }

        return tasks;
    }

    /// <summary>Loads exactly one task folder.</summary>
    /// <exception cref="EvorBenchFormatException">Anything is wrong with it.</exception>
    public static EvorBenchTask LoadTask(string taskFolder, IReadOnlyList<string>? extraLibraries = null)
    {
        var root = Path.GetFullPath(taskFolder);
        if (!IsTaskFolder(root))
        {
            throw new EvorBenchFormatException([new(root, "not a task folder: it has neither docs/ nor examples/.")]);
        }

        var tasks = Load(root, extraLibraries);
        return tasks[0];
    }

    private static bool IsTaskFolder(string dir) =>
        Directory.Exists(Path.Combine(dir, "examples")) || Directory.Exists(Path.Combine(dir, "docs"))
        || File.Exists(Path.Combine(dir, ManifestFile));

    /// <summary>Adds the task in <paramref name="folder"/> to <paramref name="tasks"/> unless it has an error.</summary>
    private static void LoadTask(string folder, List<string> extraLibraries, List<EvorBenchFormatError> errors, List<EvorBenchTask> tasks)
    {
        var before = errors.Count;
        var folderName = Path.GetFileName(folder);
        var manifest = DatasetManifest.Read(folder, errors);
        var examples = Path.Combine(folder, "examples");
        var problemDirs = Directory.Exists(examples)
            ? Directory.EnumerateDirectories(examples).Where(d => Path.GetFileName(d).StartsWith('q')).Order(StringComparer.Ordinal).ToList()
            : [];
        if (!Directory.Exists(examples))
        {
            errors.Add(new(examples, "missing: a task folder needs examples/ with one q* folder per problem."));
        }
        else if (problemDirs.Count == 0)
        {
            errors.Add(new(examples, "holds no problem folder (a folder whose name starts with 'q')."));
        }

        var layout = EvorBenchTaskConventions.Layout(folder, folderName, manifest, problemDirs, errors);
        var language = EvorBenchTaskConventions.Language(folder, folderName, manifest, layout, errors);
        var rule = EvorBenchTaskConventions.Rule(folder, folderName, manifest, layout, errors);
        var docsFolder = Path.Combine(folder, "docs");
        var docs = EvorBenchTaskFiles.ReadDocs(docsFolder, errors);

        var libraries = ResolveLibraries(manifest?.Libraries ?? [], baseFolder: folder,
            (library, full) => new(Path.Combine(folder, ManifestFile), $"library '{library}' does not exist ({full})."), errors);
        libraries.AddRange(extraLibraries);

        var problems = new List<EvorBenchProblem>();
        if (layout is { } known)
        {
            foreach (var dir in problemDirs)
            {
                if (EvorBenchProblemReader.Read(dir, known, rule, errors) is { } problem)
                {
                    problems.Add(problem);
                }
            }
        }

        var references = EvorBenchTaskFiles.ReadReferences(folder, problems, errors);
        if (errors.Count == before && layout is { } l && language is not null)
        {
            tasks.Add(new EvorBenchTask(manifest?.Name ?? folderName, folder, language, l, rule, problems, docsFolder, docs, libraries, references));
        }
    }

    /// <summary>Each library as a full path (relative ones against <paramref name="baseFolder"/>, or the current
    /// directory when null); one that is neither a folder nor a file is listed through <paramref name="missing"/>
    /// (given the library as written and its full path) and still returned.</summary>
    private static List<string> ResolveLibraries(IEnumerable<string> libraries, string? baseFolder,
        Func<string, string, EvorBenchFormatError> missing, List<EvorBenchFormatError> errors)
    {
        var resolved = new List<string>();
        foreach (var library in libraries)
        {
            var full = Path.GetFullPath(baseFolder is null ? library : Path.Combine(baseFolder, library));
            if (!Directory.Exists(full) && !File.Exists(full))
            {
                errors.Add(missing(library, full));
            }

            resolved.Add(full);
        }

        return resolved;
    }
}
