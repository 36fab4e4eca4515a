namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// Reads the task-level files beside <c>examples/</c>: the knowledge base (<c>docs/*.md</c>) and the optional reference
/// solutions (<c>references/&lt;problem id&gt;.txt</c>).
/// </summary>
internal static class EvorBenchTaskFiles
{
    /// <summary>Every <c>.md</c> file of <paramref name="docsFolder"/> in ordinal order; an error when there is none.</summary>
    public static List<EvorBenchDoc> ReadDocs(string docsFolder, List<EvorBenchFormatError> errors)
    {
        var docs = new List<EvorBenchDoc>();
        if (!Directory.Exists(docsFolder))
        {
            errors.Add(new(docsFolder, "missing: a task folder needs docs/ with the knowledge base's .md files."));
            return docs;
        }

        foreach (var file in Directory.EnumerateFiles(docsFolder).Where(f => f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (EvorBenchFiles.ReadText(file, errors) is { } text)
            {
                docs.Add(new EvorBenchDoc(Path.GetFileName(file), file, text));
            }
        }

        if (docs.Count == 0 && !errors.Any(e => e.Path.StartsWith(docsFolder, StringComparison.Ordinal)))
        {
            errors.Add(new(docsFolder, "holds no .md file (files not ending in .md are skipped, as the released code does)."));
        }

        return docs;
    }

    /// <summary>The reference solution per problem id; a reference for no problem of <c>examples/</c> is an error,
    /// one for a problem that failed to load is left out (that problem's own error says why).</summary>
    public static Dictionary<string, string> ReadReferences(string folder, List<EvorBenchProblem> problems, List<EvorBenchFormatError> errors)
    {
        var references = new Dictionary<string, string>(StringComparer.Ordinal);
        var dir = Path.Combine(folder, "references");
        if (!Directory.Exists(dir))
        {
            return references;
        }

        var ids = problems.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dir, "*.txt").Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileNameWithoutExtension(file);
            if (!ids.Contains(id) && Directory.Exists(Path.Combine(folder, "examples", id)))
            {
                continue; // The problem itself is broken; its error is already listed.
            }

            if (!ids.Contains(id))
            {
                errors.Add(new(file, $"is a reference for '{id}', which is no problem of examples/."));
            }
            else if (EvorBenchFiles.ReadText(file, errors) is { } text)
            {
                references[id] = text;
            }
        }

        return references;
    }
}
