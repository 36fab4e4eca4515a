namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>One thing wrong with a dataset folder, naming the file at fault.</summary>
/// <param name="Path">The file or folder at fault (absolute).</param>
/// <param name="Message">What is wrong with it, in a sentence.</param>
internal sealed record EvorBenchFormatError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// A dataset folder does not follow the EvoR-Bench layout. Carries every error found (the loader reads the whole
/// folder before it throws), so one run lists all that must be fixed; never thrown for a folder that loaded partly.
/// </summary>
internal sealed class EvorBenchFormatException(IReadOnlyList<EvorBenchFormatError> errors)
    : Exception(Describe(errors))
{
    public IReadOnlyList<EvorBenchFormatError> Errors { get; } = errors;

    private static string Describe(IReadOnlyList<EvorBenchFormatError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var shown = errors.Take(20).Select(e => "  " + e);
        var more = errors.Count > 20 ? $"\n  … and {errors.Count - 20} more" : "";
        return $"The dataset has {errors.Count} error(s):\n{string.Join('\n', shown)}{more}";
    }
}
