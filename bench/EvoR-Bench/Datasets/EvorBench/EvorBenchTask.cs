namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>How a task's problems are run and scored.</summary>
internal enum EvorBenchLayout
{
    /// <summary>Scipy-M / Tensorflow-M: <c>test_code.py</c>, <c>input/input&lt;N&gt;.pkl</c>, <c>ans/ans&lt;N&gt;.pkl</c>.</summary>
    Python,

    /// <summary>Pony / Ring: <c>inputs/input&lt;N&gt;.txt</c>, <c>ans/ans&lt;N&gt;.txt</c>.</summary>
    StdinStdout,
}

/// <summary>How a stdin/stdout answer is compared with the gold answer (see <see cref="AnswerComparer"/>).</summary>
internal enum ComparisonRule
{
    /// <summary>The Python layout: <c>test_code.test(result, expected)</c>, inside the sandbox.</summary>
    PythonTestCode,

    /// <summary>Pony: both sides stripped, numbers rounded to 2 decimals.</summary>
    Pony,

    /// <summary>Ring: <c>true</c>/<c>false</c> to 1/0, numbers rounded to 6 decimals.</summary>
    Ring,

    /// <summary>Both sides stripped, then exact text.</summary>
    Exact,
}

/// <summary>One task of EvoR-Bench (a folder with <c>docs/</c> and <c>examples/</c>), read by <see cref="EvorBenchLoader"/>.</summary>
/// <param name="Name">Display name (<c>dataset.json</c> <c>name</c>, else the folder name).</param>
/// <param name="Folder">Absolute path of the task folder.</param>
/// <param name="Language">Sandbox language the filled program runs as (<c>python</c>, <c>pony</c>, <c>ring</c>, <c>lua</c>…).</param>
/// <param name="Layout">How problems are run.</param>
/// <param name="ComparisonRule">How answers are compared.</param>
/// <param name="Problems">Every <c>examples/q*</c> folder, sorted by ordinal name (the released reports sort ids as strings).</param>
/// <param name="DocsFolder">Absolute path of <c>docs/</c>.</param>
/// <param name="Docs">Every <c>docs/*.md</c> file (other files are skipped, as the released code does).</param>
/// <param name="Libraries">Absolute paths of library folders (<c>dataset.json</c> <c>libraries</c>) that must be importable
/// by the program; the Python scorer carries their <c>.py</c> files into the sandbox.</param>
/// <param name="ReferenceSolutions">Reference solutions by problem id, from <c>references/&lt;id&gt;.txt</c> beside
/// <c>examples/</c> (never inside a problem folder). Kept off <see cref="EvorBenchProblem"/> so that nothing handed to a
/// method carries them; only the runner's <c>reference</c> method may read them. Empty for the released data.</param>
internal sealed record EvorBenchTask(
    string Name,
    string Folder,
    string Language,
    EvorBenchLayout Layout,
    ComparisonRule ComparisonRule,
    IReadOnlyList<EvorBenchProblem> Problems,
    string DocsFolder,
    IReadOnlyList<EvorBenchDoc> Docs,
    IReadOnlyList<string> Libraries,
    IReadOnlyDictionary<string, string> ReferenceSolutions)
{
    /// <summary>SHA-256 (hex) over the docs' names and bytes in ordinal order: the knowledge base's cache key.</summary>
    public string DocsContentHash()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var doc in Docs)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(doc.Key + "\0"));
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(doc.Text + "\0"));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>One documentation page of a task's knowledge base.</summary>
/// <param name="Key">File name (the released code's doc key), e.g. <c>optimize.md</c>.</param>
/// <param name="Path">Absolute path.</param>
/// <param name="Text">Whole file, UTF-8.</param>
internal sealed record EvorBenchDoc(string Key, string Path, string Text);

/// <summary>One problem (<c>examples/q*</c>).</summary>
/// <param name="Id">Folder name, e.g. <c>q12</c>.</param>
/// <param name="Folder">Absolute path of the problem folder.</param>
/// <param name="Description"><c>example.json</c> <c>problem_description</c>.</param>
/// <param name="Instructions"><c>example.json</c> <c>instructions</c> by model family (<c>gpt</c>, <c>codellama</c>, <c>starchat</c>…).</param>
/// <param name="CodeContext"><c>code_context.txt</c>, holding <c>[insert]</c> exactly once.</param>
/// <param name="Cases">Test cases N = 1, 2, … (contiguous).</param>
/// <param name="GoldDocumentation"><c>documentation.txt</c>, or null when the folder has none.</param>
/// <param name="TestCode"><c>test_code.py</c> (Python layout only).</param>
internal sealed record EvorBenchProblem(
    string Id,
    string Folder,
    string Description,
    IReadOnlyDictionary<string, string> Instructions,
    string CodeContext,
    IReadOnlyList<EvorBenchCase> Cases,
    string? GoldDocumentation,
    string? TestCode)
{
    /// <summary>The placeholder <c>code_context.txt</c> holds once.</summary>
    public const string InsertMarker = "[insert]";

    /// <summary>The program: <see cref="CodeContext"/> with <c>[insert]</c> replaced by <paramref name="code"/>, a plain
    /// string replace (nothing stripped, indented or re-newlined), as the released harness does.</summary>
    public string Fill(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return CodeContext.Replace(InsertMarker, code, StringComparison.Ordinal);
    }

    /// <summary>The instruction for a model family, chosen as the released code does: <c>gpt</c> when the generator name
    /// contains "gpt", else the family before the first '-'; falls back to <c>gpt</c>, then to the first entry.</summary>
    public string InstructionFor(string generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var key = generator.Contains("gpt", StringComparison.OrdinalIgnoreCase) ? "gpt" : generator.Split('-')[0];
        return Instructions.TryGetValue(key, out var text) ? text
            : Instructions.TryGetValue("gpt", out var gpt) ? gpt
            : Instructions.Values.FirstOrDefault() ?? "";
    }
}

/// <summary>One test case: the input and answer files (pickles for the Python layout, text for stdin/stdout), read
/// as bytes; the service never unpickles them.</summary>
internal sealed record EvorBenchCase(int Number, string InputPath, byte[] Input, string AnswerPath, byte[] Answer)
{
    /// <summary>The input as UTF-8 text (stdin/stdout layout).</summary>
    public string InputText => System.Text.Encoding.UTF8.GetString(Input);

    /// <summary>The answer as UTF-8 text (stdin/stdout layout).</summary>
    public string AnswerText => System.Text.Encoding.UTF8.GetString(Answer);
}
