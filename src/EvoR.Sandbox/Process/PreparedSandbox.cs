namespace EvoR.Sandbox.Process;

/// <summary>A started sandbox whose stub waits for the go line; used for exactly one run, then discarded.</summary>
internal sealed record PreparedSandbox(string RunDir, string StatusPath, CgroupV1Scope? Cgroup, System.Diagnostics.Process Process)
{
    /// <summary>Host folder bound read-only at <c>/app</c>; files written here before the go line are the program's.</summary>
    public string AppDir => Path.Combine(RunDir, "app");
}
