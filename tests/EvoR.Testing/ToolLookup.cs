namespace EvoR.Testing;

/// <summary>Finds a command-line tool a test drives (redocly, chromium): the path an environment variable names, else
/// the first of the names on the PATH; null when neither has it, for the test to skip saying so.</summary>
public static class ToolLookup
{
    /// <exception cref="FileNotFoundException">The environment variable names a file that does not exist.</exception>
    public static string? Find(string environmentVariable, params string[] names)
    {
        var configured = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : throw new FileNotFoundException($"{environmentVariable} names {configured}, which does not exist");
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(folder => names.Select(name => Path.Combine(folder, name)))
            .FirstOrDefault(File.Exists);
    }
}
