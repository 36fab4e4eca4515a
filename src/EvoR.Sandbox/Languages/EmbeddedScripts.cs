namespace EvoR.Sandbox.Languages;

/// <summary>Scripts kept as files beside languages.json and embedded in the assembly (runner scripts read better as
/// files than as JSON strings).</summary>
internal static class EmbeddedScripts
{
    /// <summary>Runs the program in an already started Python interpreter as <c>python3 /app/NAME.py</c> would; the
    /// shared tail of the process backend's warm runner and the Docker backend's Python gate.</summary>
    public static readonly string PythonRun = Read("python-run.py");

    /// <summary>The text of the embedded file <c>Languages/NAME</c>.</summary>
    public static string Read(string name)
    {
        var resource = "EvoR.Sandbox.Languages." + name;
        using var stream = typeof(EmbeddedScripts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded file '{resource}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
