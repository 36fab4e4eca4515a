using System.Globalization;

namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// Reads a problem's numbered test cases: <c>input/inputN.pkl</c> + <c>ans/ansN.pkl</c> (Python layout) or
/// <c>inputs/inputN.txt</c> + <c>ans/ansN.txt</c> (stdin/stdout). The released loop counts N = 1, 2, … while both files
/// exist and silently stops at the first gap; here every file past a gap, and every input without an answer (or the
/// reverse), is an error instead, so that no case is lost unseen.
/// </summary>
internal static class EvorBenchCaseReader
{
    /// <summary>The cases in number order; the errors of the ones that cannot be read are listed.</summary>
    public static List<EvorBenchCase> Read(string dir, EvorBenchLayout layout, List<EvorBenchFormatError> errors) =>
        layout == EvorBenchLayout.Python
            ? Read(dir, "input", "input", ".pkl", "ans", ".pkl", pickles: true, errors)
            : Read(dir, "inputs", "input", ".txt", "ans", ".txt", pickles: false, errors);

    private static List<EvorBenchCase> Read(string dir, string inputFolder, string inputPrefix, string inputExt, string ansPrefix, string ansExt, bool pickles, List<EvorBenchFormatError> errors)
    {
        var inputs = Numbered(Path.Combine(dir, inputFolder), inputPrefix, inputExt);
        var answers = Numbered(Path.Combine(dir, "ans"), ansPrefix, ansExt);
        var cases = new List<EvorBenchCase>();

        // N = 1, 2, … while both files exist (the released loop); anything beyond is an error here, not a silent stop.
        var n = 1;
        for (; inputs.ContainsKey(n) && answers.ContainsKey(n); n++)
        {
            var input = EvorBenchFiles.ReadBytes(inputs[n], errors);
            var answer = EvorBenchFiles.ReadBytes(answers[n], errors);
            if (pickles)
            {
                CheckPickle(inputs[n], input, errors);
                CheckPickle(answers[n], answer, errors);
            }

            if (input is not null && answer is not null)
            {
                cases.Add(new EvorBenchCase(n, inputs[n], input, answers[n], answer));
            }
        }

        var gap = inputs.ContainsKey(n) ? AnswerFile(n) : InputFile(n);
        foreach (var (number, path) in inputs.Where(p => p.Key > n || p.Key == n && !answers.ContainsKey(n)).OrderBy(p => p.Key))
        {
            errors.Add(new(path, answers.ContainsKey(number)
                ? $"case {number} comes after case {n}, which is missing ({gap}); cases must be numbered 1, 2, … without gaps."
                : $"has no answer: {AnswerFile(number)} is missing."));
        }

        foreach (var (number, path) in answers.Where(p => p.Key >= n && !inputs.ContainsKey(p.Key)).OrderBy(p => p.Key))
        {
            errors.Add(new(path, $"has no input: {InputFile(number)} is missing."));
        }

        return cases;

        string InputFile(int number) => Path.Combine(dir, inputFolder, inputPrefix + number.ToString(CultureInfo.InvariantCulture) + inputExt);
        string AnswerFile(int number) => Path.Combine(dir, "ans", ansPrefix + number.ToString(CultureInfo.InvariantCulture) + ansExt);
    }

    /// <summary>The files <c>PREFIX N EXT</c> of a folder by N, N written canonically (<c>input01.txt</c> is not case 1).</summary>
    private static Dictionary<int, string> Numbered(string folder, string prefix, string ext)
    {
        var found = new Dictionary<int, string>();
        if (!Directory.Exists(folder))
        {
            return found;
        }

        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(ext, StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(prefix.Length, name.Length - prefix.Length - ext.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                && number.ToString(CultureInfo.InvariantCulture) == name[prefix.Length..^ext.Length])
            {
                found[number] = file;
            }
        }

        return found;
    }

    /// <summary>A structural check only (nothing is unpickled): a pickle is non-empty, ends with the STOP opcode
    /// <c>'.'</c>, and, when it starts with the PROTO opcode, names protocol 2–5.</summary>
    private static void CheckPickle(string path, byte[]? bytes, List<EvorBenchFormatError> errors)
    {
        if (bytes is null)
        {
            return;
        }

        if (bytes.Length == 0 || bytes[^1] != (byte)'.' || bytes[0] == 0x80 && (bytes.Length < 3 || bytes[1] is < 2 or > 5))
        {
            errors.Add(new(path, "is not a readable pickle (empty, truncated, or not pickle data)."));
        }
    }
}
