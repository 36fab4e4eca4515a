namespace EvoR.Bench.Tests.Datasets.EvorBench;

/// <summary>The hand-made fixtures (<c>Fixtures/make_fixtures.py</c>) and a scratch copy to break.</summary>
internal static class EvorBenchFixtures
{
    /// <summary>The fixture data dir, holding ScipyM, TensorflowM, Pony and Ring.</summary>
    public static string DataDir => Path.Combine(AppContext.BaseDirectory, "Datasets", "EvorBench", "Fixtures", "arks_data");

    public static string Task(string name) => Path.Combine(DataDir, name);

    /// <summary>Copies a fixture task into <paramref name="parent"/> under <paramref name="newName"/> (default its own name).</summary>
    public static string CopyTask(string name, DirectoryInfo parent, string? newName = null)
    {
        var target = Path.Combine(parent.FullName, newName ?? name);
        CopyDirectory(Task(name), target);
        return target;
    }

    /// <summary>The folder holding <c>EvoR.sln</c>.</summary>
    public static string RepositoryRoot() => EvoR.Testing.Repository.Root();

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(source))
        {
            CopyDirectory(dir, Path.Combine(target, Path.GetFileName(dir)));
        }
    }
}
