namespace EvoR.Testing;

/// <summary>The repository this build came from, found by walking up from the test's own folder.</summary>
public static class Repository
{
    /// <summary>The folder holding <c>EvoR.sln</c>.</summary>
    public static string Root()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "EvoR.sln")))
                return folder.FullName;
        }

        throw new InvalidOperationException("EvoR.sln not found above " + AppContext.BaseDirectory);
    }
}
