using EvoR.Sandbox.Tests.Support;

namespace EvoR.Sandbox.Tests.Docker;

/// <summary>The Docker backend's Python gate (the interpreter started with the pooled container, running the program
/// in-process) against the shell gate (<c>Sandbox:Docker:PythonGate=false</c>).</summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerPythonGateTests(DockerSandboxFixture fixture) : PreStartedPythonTests(fixture, "Sandbox:Docker:PythonGate");
