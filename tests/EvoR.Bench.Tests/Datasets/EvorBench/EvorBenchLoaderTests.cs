using EvoR.Bench.Datasets.EvorBench;

namespace EvoR.Bench.Tests.Datasets.EvorBench;

public sealed class EvorBenchLoaderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("evor-bench-layout-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Load_DataDir_ReadsAllFourReleasedTasks()
    {
        var tasks = EvorBenchLoader.Load(EvorBenchFixtures.DataDir);

        Assert.Equal(["Pony", "Ring", "ScipyM", "TensorflowM"], tasks.Select(t => t.Name));
        Assert.Equal(
            [("pony", EvorBenchLayout.StdinStdout, ComparisonRule.Pony), ("ring", EvorBenchLayout.StdinStdout, ComparisonRule.Ring),
             ("python", EvorBenchLayout.Python, ComparisonRule.PythonTestCode), ("python", EvorBenchLayout.Python, ComparisonRule.PythonTestCode)],
            tasks.Select(t => (t.Language, t.Layout, t.ComparisonRule)));
    }

    [Theory]
    [InlineData("ScipyM")]
    [InlineData("TensorflowM")]
    public void Load_PythonTaskFolder_ReadsProblemsCasesAndDocsAsReleased(string name)
    {
        var task = Assert.Single(EvorBenchLoader.Load(EvorBenchFixtures.Task(name)));

        // Every q* folder, sorted as strings (q10 before q2); "extra/" and the README file are no problems.
        Assert.Equal(["q0", "q1", "q10", "q2"], task.Problems.Select(p => p.Id));
        var q0 = task.Problems[0];
        Assert.Equal("Double every element of the array `a` and store it in `result`.", q0.Description);
        Assert.Equal(["codellama", "gpt", "starchat"], q0.Instructions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([1, 2], q0.Cases.Select(c => c.Number));
        Assert.EndsWith(Path.Combine("input", "input2.pkl"), q0.Cases[1].InputPath, StringComparison.Ordinal);
        Assert.Equal(0x80, q0.Cases[0].Input[0]);
        Assert.Contains("\ndef stringTest(", q0.TestCode, StringComparison.Ordinal);
        Assert.StartsWith("Document 1:", q0.GoldDocumentation, StringComparison.Ordinal);
        Assert.Single(task.Problems[1].Cases);
        Assert.Null(task.Problems[1].GoldDocumentation);
        Assert.Empty(task.Problems[2].Cases); // zero cases: passes in the released harness
        // docs/*.md only: notes.txt is skipped.
        Assert.Equal(["cumulative.md", "scale.md"], task.Docs.Select(d => d.Key));
        Assert.Empty(task.ReferenceSolutions);
    }

    [Fact]
    public void Load_StdinStdoutTasks_ReadTextCasesRawAndZeroCaseProblems()
    {
        var pony = EvorBenchLoader.LoadTask(EvorBenchFixtures.Task("Pony"));
        var ring = EvorBenchLoader.LoadTask(EvorBenchFixtures.Task("Ring"));

        Assert.Equal(["q0", "q1", "q2"], pony.Problems.Select(p => p.Id));
        Assert.Equal("2.004", pony.Problems[0].Cases[1].AnswerText);
        Assert.Empty(pony.Problems[2].Cases);
        Assert.Equal("true", ring.Problems[0].Cases[0].AnswerText); // raw, no newline added or stripped
        Assert.Equal("ring\n", ring.Problems[2].Cases[0].AnswerText);
        Assert.Null(ring.Problems[0].TestCode);
    }

    [Fact]
    public void Fill_ReplacesInsertVerbatim()
    {
        var problem = EvorBenchLoader.LoadTask(EvorBenchFixtures.Task("ScipyM")).Problems[0];

        var program = problem.Fill("result = a * 2\n  # kept as is");

        Assert.Contains("args = parser.parse_args()\na = pickle.load(open(f\"input/input{args.test_case}.pkl\", \"rb\"))\nresult = a * 2\n  # kept as is\npickle.dump", program, StringComparison.Ordinal);
        Assert.DoesNotContain("[insert]", program, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gpt-3.5-turbo-1106", "Write the code")]
    [InlineData("codellama-34b", "[INST]")]
    [InlineData("starchat-beta", "<|user|>")]
    [InlineData("mistral-7b", "Write the code")]
    public void InstructionFor_ModelFamily_PicksAsReleased(string generator, string expectedStart)
    {
        var problem = EvorBenchLoader.LoadTask(EvorBenchFixtures.Task("ScipyM")).Problems[0];

        Assert.StartsWith(expectedStart, problem.InstructionFor(generator), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OtherNamePythonFolder_DetectedByContent()
    {
        var folder = EvorBenchFixtures.CopyTask("ScipyM", _dir, "MyScience");

        var task = EvorBenchLoader.LoadTask(folder);

        Assert.Equal(("MyScience", "python", EvorBenchLayout.Python, ComparisonRule.PythonTestCode), (task.Name, task.Language, task.Layout, task.ComparisonRule));
        Assert.Equal(4, task.Problems.Count);
    }

    [Fact]
    public void Load_OtherNameStdinStdoutFolderWithoutManifest_AsksForTheLanguage()
    {
        var folder = EvorBenchFixtures.CopyTask("Ring", _dir, "MyLang");

        var ex = Assert.Throws<EvorBenchFormatException>(() => EvorBenchLoader.Load(folder));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(Path.Combine(folder, "dataset.json"), error.Path);
        Assert.Contains("language", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Manifest_SetsNameLanguageRuleAndLibraries()
    {
        var folder = EvorBenchFixtures.CopyTask("Ring", _dir, "MyLang");
        Directory.CreateDirectory(Path.Combine(folder, "lib", "mylib"));
        File.WriteAllText(Path.Combine(folder, "dataset.json"), """{"name": "My Lang", "language": "lua", "comparison": "pony", "libraries": ["lib/mylib"]}""");

        var task = EvorBenchLoader.LoadTask(folder);

        Assert.Equal(("My Lang", "lua", EvorBenchLayout.StdinStdout, ComparisonRule.Pony), (task.Name, task.Language, task.Layout, task.ComparisonRule));
        Assert.Equal([Path.Combine(folder, "lib", "mylib")], task.Libraries);
    }

    [Fact]
    public void Load_References_KeptApartFromProblems()
    {
        var folder = EvorBenchFixtures.CopyTask("ScipyM", _dir, "Mine");
        Directory.CreateDirectory(Path.Combine(folder, "references"));
        File.WriteAllText(Path.Combine(folder, "references", "q0.txt"), "result = a * 2\n");

        var task = EvorBenchLoader.LoadTask(folder);

        Assert.Equal("result = a * 2\n", task.ReferenceSolutions["q0"]);
    }

    [Fact]
    public void Load_MixedLayoutsInAnUnknownFolder_ErrorNamesTheFolder()
    {
        var folder = EvorBenchFixtures.CopyTask("ScipyM", _dir, "Mixed");
        var q = Path.Combine(folder, "examples", "q9");
        Directory.CreateDirectory(Path.Combine(q, "inputs"));
        File.WriteAllText(Path.Combine(q, "inputs", "input1.txt"), "1");

        var ex = Assert.Throws<EvorBenchFormatException>(() => EvorBenchLoader.Load(folder));

        Assert.Contains(ex.Errors, e => e.Path == folder && e.Message.Contains("mixes layouts", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string, string> Malformed => new()
    {
        // task, what to break (relative path), how, expected message part
        { "ScipyM", "examples/q1/example.json", "delete", "missing: every problem needs example.json" },
        { "Pony", "examples/q0/example.json", "delete", "missing: every problem needs example.json" },
        { "ScipyM", "examples/q1/example.json", "write:{\"instructions\": {\"gpt\": \"x\"}}", "no string \"problem_description\"" },
        { "ScipyM", "examples/q1/example.json", "write:{\"problem_description\": \"x\"}", "no \"instructions\" object" },
        { "ScipyM", "examples/q1/example.json", "write:{not json", "is not valid JSON" },
        { "ScipyM", "examples/q1/code_context.txt", "write:result = 1\n", "holds no [insert] placeholder" },
        { "Ring", "examples/q1/code_context.txt", "write:x\n[insert]\n[insert]\n", "holds [insert] 2 times" },
        { "ScipyM", "examples/q1/code_context.txt", "write:x = [insert]\n", "must stand on its own line" },
        { "Ring", "examples/q1/code_context.txt", "write:x = [insert]\n", "must follow a newline" },
        { "ScipyM", "examples/q1/code_context.txt", "delete", "missing: every problem needs code_context.txt" },
        { "ScipyM", "examples/q1/test_code.py", "delete", "missing: a Python-layout problem needs test_code.py" },
        { "ScipyM", "examples/q1/test_code.py", "write:def check(a, b):\n    return 1\n", "defines no test(result, ans)" },
        { "ScipyM", "examples/q0/ans/ans2.pkl", "delete", "has no answer" },
        { "Pony", "examples/q0/ans/ans2.txt", "delete", "has no answer" },
        { "Ring", "examples/q0/inputs/input2.txt", "delete", "has no input" },
        { "ScipyM", "examples/q0/input/input1.pkl", "delete", "comes after case 1, which is missing" },
        { "ScipyM", "examples/q0/input/input2.pkl", "write:garbage", "is not a readable pickle" },
        { "ScipyM", "examples/q0/ans/ans1.pkl", "write:", "is not a readable pickle" },
        { "TensorflowM", "examples/q0/ans/ans1.pkl", "truncate", "is not a readable pickle" },
        { "ScipyM", "examples/q1/example.json", "bytes:FF-FE-00", "is not UTF-8 text" },
        { "ScipyM", "docs", "empty", "holds no .md file" },
        { "Ring", "docs", "delete", "missing: a task folder needs docs/" },
        { "Pony", "examples", "empty", "holds no problem folder" },
        { "ScipyM", "dataset.json", "write:{\"layout\": \"java\"}", "unknown layout 'java'" },
        { "ScipyM", "dataset.json", "write:{\"comparison\": \"ring\"}", "does not fit the Python layout" },
        { "ScipyM", "dataset.json", "write:[1,", "cannot be read" },
        { "ScipyM", "references/q7.txt", "write:x", "no problem of examples/" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Load_MalformedFolder_ThrowsNamingTheFile(string task, string relative, string how, string expected)
    {
        var folder = EvorBenchFixtures.CopyTask(task, _dir);
        var target = Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar));
        Break(target, how);

        var ex = Assert.Throws<EvorBenchFormatException>(() => EvorBenchLoader.Load(folder));

        var error = Assert.Single(ex.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
        // The file at fault, or, for a missing case file, its orphaned partner with the missing file named.
        Assert.True(error.Path.StartsWith(target, StringComparison.Ordinal) || error.Message.Contains(target, StringComparison.Ordinal), $"{error} names neither {target}");
        Assert.Contains(error.Path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MalformedTaskInDataDir_FailsTheWholeLoadNotSilentlySmaller()
    {
        foreach (var name in new[] { "ScipyM", "Pony", "Ring" })
        {
            EvorBenchFixtures.CopyTask(name, _dir);
        }

        File.Delete(Path.Combine(_dir.FullName, "Pony", "examples", "q1", "example.json"));
        File.WriteAllText(Path.Combine(_dir.FullName, "Ring", "examples", "q2", "code_context.txt"), "no placeholder");

        var ex = Assert.Throws<EvorBenchFormatException>(() => EvorBenchLoader.Load(_dir.FullName));

        Assert.Equal(2, ex.Errors.Count);
    }

    [Fact]
    public void Load_UnreadableFile_ErrorNamesIt()
    {
        // A symbolic link to itself: listed as a file, but every read fails (even for root, unlike a mode of 000).
        var folder = EvorBenchFixtures.CopyTask("ScipyM", _dir);
        var target = Path.Combine(folder, "examples", "q2", "test_code.py");
        File.Delete(target);
        File.CreateSymbolicLink(target, target);

        var ex = Assert.Throws<EvorBenchFormatException>(() => EvorBenchLoader.Load(folder));

        Assert.Contains(ex.Errors, e => e.Path == target && e.Message.StartsWith("cannot be read", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_NeitherTaskNorDataDir_Throws()
    {
        var ex = Assert.Throws<EvorBenchFormatException>(() => EvorBenchLoader.Load(_dir.FullName));

        Assert.Contains("neither a task folder", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DocsContentHash_ChangesWithAnyDoc()
    {
        var folder = EvorBenchFixtures.CopyTask("ScipyM", _dir);
        var before = EvorBenchLoader.LoadTask(folder).DocsContentHash();
        Assert.Equal(before, EvorBenchLoader.LoadTask(folder).DocsContentHash());

        File.AppendAllText(Path.Combine(folder, "docs", "scale.md"), "x");

        Assert.NotEqual(before, EvorBenchLoader.LoadTask(folder).DocsContentHash());
    }

    private static void Break(string target, string how)
    {
        switch (how)
        {
            case "delete" when Directory.Exists(target):
                Directory.Delete(target, recursive: true);
                break;
            case "delete":
                File.Delete(target);
                break;
            case "empty":
                foreach (var entry in Directory.EnumerateFileSystemEntries(target).ToList())
                {
                    if (Directory.Exists(entry))
                    {
                        Directory.Delete(entry, true);
                    }
                    else if (entry.EndsWith(".md", StringComparison.Ordinal) || Path.GetFileName(Path.GetDirectoryName(entry)) == "examples")
                    {
                        File.Delete(entry);
                    }
                }

                break;
            case "truncate":
                var bytes = File.ReadAllBytes(target);
                File.WriteAllBytes(target, bytes[..(bytes.Length / 2)]);
                break;
            case var b when b.StartsWith("bytes:", StringComparison.Ordinal):
                File.WriteAllBytes(target, Convert.FromHexString(b[6..].Replace("-", "", StringComparison.Ordinal)));
                break;
            case var w when w.StartsWith("write:", StringComparison.Ordinal):
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllText(target, w[6..]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(how), how, null);
        }
    }
}
