using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Sandbox;

namespace EvoR.Bench.Datasets;

/// <summary>
/// A three-problem dataset with a knowledge gap, for scripted-model runs: the tiny library <c>vaultlib</c> reads a
/// value with <c>Vault.fetch</c>, a name found only in its documentation (the old <c>Vault.get</c> is gone). Problem
/// 1's question matches the fetch page; problems 2 and 3 match other pages, so one retrieval with the question (and
/// k = 1) misses it while a rewritten query after a failed run finds it. Scores on it are never a model's accuracy.
/// </summary>
internal sealed class ScriptedGapDataset : IBenchDataset
{
    public const string DatasetName = "scripted-gap";

    /// <summary>The API name that exists only in the documentation.</summary>
    public const string NewApi = "fetch";

    private const string Context = """
        class Vault:
            def __init__(self):
                self._d = {'b': 2, 'a': 1, 'c': 3}

            def fetch(self, key):
                return self._d[key]

            def keys(self):
                return sorted(self._d)

        [insert]

        """;

    public string Name => DatasetName;
    public string Source => "builtin:" + DatasetName;
    public bool Scripted => true;

    public IReadOnlyList<BenchProblem> Problems { get; } =
    [
        Problem("gap/read-value", "Write read_value(vault, key) that reads the value stored under a key of a vaultlib Vault.",
            "def read_value(vault, key):\n    return vault.fetch(key)\n", "assert read_value(Vault(), 'a') == 1", "assert read_value(Vault(), 'c') == 3"),
        Problem("gap/total", "Write total(vault) that sums the numbers over all keys of a vaultlib Vault.",
            "def total(vault):\n    return sum(vault.fetch(k) for k in vault.keys())\n", "assert total(Vault()) == 6", "assert total(Vault()) == 6 and total.__name__ == 'total'"),
        Problem("gap/smallest", "Write smallest(vault) that gives the number under the smallest key of a vaultlib Vault, in sorted order.",
            "def smallest(vault):\n    return vault.fetch(vault.keys()[0])\n", "assert smallest(Vault()) == 1", "assert smallest(Vault()) == 1 and smallest.__name__ == 'smallest'"),
    ];

    public IReadOnlyList<KnowledgeDocument> Documents { get; } =
    [
        new() { Id = "vault-fetch", Library = "vaultlib", Language = "python",
            Text = "# Vault.fetch\nVault.fetch(key) reads the value stored under a key. Vault.get was removed in version 3; fetch replaces it." },
        new() { Id = "vault-keys", Library = "vaultlib", Language = "python",
            Text = "# Vault.keys\nVault.keys() gives all keys of a Vault in sorted order, the smallest key first; loop over all keys to sum numbers." },
        new() { Id = "vault-size", Library = "vaultlib", Language = "python",
            Text = "# Vault.size\nVault.size() counts the numbers of a Vault; sums and totals over a Vault start from its keys." },
    ];

    private static BenchProblem Problem(string id, string prompt, string reference, string visible, string hidden) =>
        VaultlibProblem(Context, id, prompt, reference, visible, hidden, ["Vault.fetch(key) reads the value stored under a key."]);

    /// <summary>A Python problem over a <c>vaultlib</c> program (<paramref name="context"/> with an <c>[insert]</c>), as the
    /// scripted datasets write them.</summary>
    internal static BenchProblem VaultlibProblem(string context, string id, string prompt, string reference, string visible, string hidden,
        IReadOnlyList<string> gold) => new()
    {
        Id = id,
        Prompt = prompt,
        Language = "python",
        Library = "vaultlib",
        CodeContext = context.Replace("[insert]", GenerationProblem.InsertSlot, StringComparison.Ordinal),
        VisibleTests = new ScriptTests { Code = visible },
        Tests = new ScriptTests { Code = hidden },
        Reference = reference,
        GoldDocs = gold,
    };
}
