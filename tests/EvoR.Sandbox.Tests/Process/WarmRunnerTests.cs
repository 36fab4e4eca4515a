using EvoR.Sandbox.Tests.Support;

namespace EvoR.Sandbox.Tests.Process;

/// <summary>The process backend's warm runner (the interpreter started with the warm sandbox, waiting for the go line)
/// against <c>Sandbox:Process:WarmRunners=false</c>.</summary>
[Collection(SandboxCollection.Name)]
public sealed class WarmRunnerTests(SandboxFixture fixture) : PreStartedPythonTests(fixture, "Sandbox:Process:WarmRunners");
