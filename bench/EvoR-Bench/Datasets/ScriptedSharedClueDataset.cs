using EvoR.Pipeline.Knowledge;

namespace EvoR.Bench.Datasets;

/// <summary>
/// A three-problem dataset for scripted-model runs of the knowledge scopes: the <c>vaultlib</c> of
/// <see cref="ScriptedGapDataset"/> (values read with <c>Vault.fetch</c>, documented) plus <c>Vault.primary()</c>, the
/// vault's primary key, documented nowhere. Problem 1's question names <c>vault.primary()</c> and matches the fetch page;
/// problem 2 finds the fetch page only with a rewritten query; problem 3 needs the primary key but its question does not
/// say how to get it: its only clue is problem 1's working code, which a per-run overlay shares and a per-problem one
/// does not. Scores on it are never a model's accuracy.
/// </summary>
internal sealed class ScriptedSharedClueDataset : IBenchDataset
{
    public const string DatasetName = "scripted-shared-clue";

    /// <summary>The problem whose only clue is another problem's working code.</summary>
    public const string CluelessProblem = "shared/double-primary";

    /// <summary>The call nothing documents; only problem 1's question (and so its working code) shows it.</summary>
    public const string UndocumentedCall = "vault.primary()";

    private const string Context = """
        class Vault:
            def __init__(self):
                self._d = {'b': 2, 'a': 1, 'c': 3}
                self._primary = 'b'

            def fetch(self, key):
                return self._d[key]

            def keys(self):
                return sorted(self._d)

            def primary(self):
                return self._primary

        [insert]

        """;

    private const string FetchLine = "Vault.fetch(key) reads the value stored under a key.";

    public string Name => DatasetName;
    public string Source => "builtin:" + DatasetName;
    public bool Scripted => true;

    public IReadOnlyList<BenchProblem> Problems { get; } =
    [
        Problem("shared/read-primary", "Write read_primary(vault) that reads the value stored under the primary key of a vaultlib Vault, the key vault.primary() names.",
            "def read_primary(vault):\n    return vault.fetch(vault.primary())\n", "assert read_primary(Vault()) == 2", "assert read_primary(Vault()) == 2 and read_primary.__name__ == 'read_primary'", [FetchLine]),
        Problem("shared/total", "Write total(vault) that sums the numbers over all keys of a vaultlib Vault.",
            "def total(vault):\n    return sum(vault.fetch(k) for k in vault.keys())\n", "assert total(Vault()) == 6", "assert total(Vault()) == 6 and total.__name__ == 'total'", [FetchLine]),
        Problem(CluelessProblem, "Write double_primary(vault) that gives twice the number under the primary key of a vaultlib Vault.",
            "def double_primary(vault):\n    return 2 * vault.fetch(vault.primary())\n", "assert double_primary(Vault()) == 4", "assert double_primary(Vault()) == 4 and double_primary.__name__ == 'double_primary'", []),
    ];

    /// <summary>The gap dataset's pages: none of them names the primary key.</summary>
    public IReadOnlyList<KnowledgeDocument> Documents { get; } = new ScriptedGapDataset().Documents;

    private static BenchProblem Problem(string id, string prompt, string reference, string visible, string hidden, IReadOnlyList<string> gold) =>
        ScriptedGapDataset.VaultlibProblem(Context, id, prompt, reference, visible, hidden, gold);
}
