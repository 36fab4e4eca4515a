namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// What a task folder's name, its <c>dataset.json</c> and its files imply about its layout, comparison rule and
/// language. The released tasks (<see cref="EvorBenchLoader.ReleasedTasks"/>) need no manifest: their name says it all;
/// any other folder is read by what its problems hold, and the manifest settles what the files cannot.
/// </summary>
internal static class EvorBenchTaskConventions
{
    /// <summary>The manifest's <c>layout</c>, else the released task's, else the one every problem folder shows; null
    /// (and an error) when unknown, mixed or undecidable.</summary>
    public static EvorBenchLayout? Layout(string folder, string folderName, DatasetManifest? manifest, List<string> problemDirs, List<EvorBenchFormatError> errors)
    {
        switch (manifest?.Layout)
        {
            case "python":
                return EvorBenchLayout.Python;
            case "stdin-stdout":
                return EvorBenchLayout.StdinStdout;
            case { } other:
                errors.Add(new(ManifestPath(folder), $"unknown layout '{other}'; use \"python\" or \"stdin-stdout\"."));
                return null;
        }

        switch (folderName)
        {
            case "ScipyM" or "TensorflowM":
                return EvorBenchLayout.Python;
            case "Pony" or "Ring":
                return EvorBenchLayout.StdinStdout;
        }

        // Another name: read it by what it holds.
        var python = problemDirs.Count(d => File.Exists(Path.Combine(d, "test_code.py")) || EvorBenchFiles.HasFiles(Path.Combine(d, "input"), "*.pkl"));
        var stdio = problemDirs.Count(d => EvorBenchFiles.HasFiles(Path.Combine(d, "inputs"), "*.txt") || EvorBenchFiles.HasFiles(Path.Combine(d, "ans"), "*.txt"));
        if (python > 0 && stdio == 0)
        {
            return EvorBenchLayout.Python;
        }

        if (stdio > 0 && python == 0)
        {
            return EvorBenchLayout.StdinStdout;
        }

        if (problemDirs.Count > 0)
        {
            errors.Add(new(folder, python > 0
                ? $"mixes layouts: {python} problem(s) hold test_code.py or input/*.pkl and {stdio} hold inputs/*.txt or ans/*.txt; set \"layout\" in dataset.json."
                : "cannot tell the layout: no problem holds test_code.py + input/*.pkl (Python) or inputs/*.txt + ans/*.txt (stdin/stdout); set \"layout\" in dataset.json."));
        }

        return null;
    }

    /// <summary>The manifest's <c>language</c>, else the released task's, else <c>python</c> for the Python layout;
    /// null (and an error) for a stdin/stdout task of another name without one.</summary>
    public static string? Language(string folder, string folderName, DatasetManifest? manifest, EvorBenchLayout? layout, List<EvorBenchFormatError> errors)
    {
        var language = manifest?.Language ?? folderName switch
        {
            "ScipyM" or "TensorflowM" => "python",
            "Pony" => "pony",
            "Ring" => "ring",
            _ => layout == EvorBenchLayout.Python ? "python" : null,
        };
        if (language is null)
        {
            errors.Add(new(ManifestPath(folder), "a stdin/stdout task with another name than Pony or Ring needs dataset.json naming its \"language\"."));
        }

        return language;
    }

    /// <summary>The manifest's <c>comparison</c>, else the released task's, else the layout's default (test code for
    /// Python, exact for stdin/stdout); an error when it is unknown or does not fit the layout.</summary>
    public static ComparisonRule Rule(string folder, string folderName, DatasetManifest? manifest, EvorBenchLayout? layout, List<EvorBenchFormatError> errors)
    {
        var rule = manifest?.Comparison switch
        {
            null => folderName switch
            {
                "Pony" => ComparisonRule.Pony,
                "Ring" => ComparisonRule.Ring,
                _ => layout == EvorBenchLayout.StdinStdout ? ComparisonRule.Exact : ComparisonRule.PythonTestCode,
            },
            "test-code" => ComparisonRule.PythonTestCode,
            "pony" => ComparisonRule.Pony,
            "ring" => ComparisonRule.Ring,
            "exact" => ComparisonRule.Exact,
            var other => Invalid(other),
        };
        if (layout == EvorBenchLayout.Python && rule != ComparisonRule.PythonTestCode
            || layout == EvorBenchLayout.StdinStdout && rule == ComparisonRule.PythonTestCode)
        {
            errors.Add(new(ManifestPath(folder), $"comparison '{manifest?.Comparison}' does not fit the {layout} layout."));
        }

        return rule;

        ComparisonRule Invalid(string other)
        {
            errors.Add(new(ManifestPath(folder), $"unknown comparison '{other}'; use \"test-code\", \"pony\", \"ring\" or \"exact\"."));
            return ComparisonRule.Exact;
        }
    }

    private static string ManifestPath(string folder) => Path.Combine(folder, EvorBenchLoader.ManifestFile);
}
