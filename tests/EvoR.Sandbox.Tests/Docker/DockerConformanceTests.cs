using EvoR.Sandbox.Tests.Execution;
using EvoR.Sandbox.Tests.Process;
using EvoR.Sandbox.Tests.Support;

namespace EvoR.Sandbox.Tests.Docker;

/// <summary>The hostile suite of SANDBOX-THREATS.md on the Docker backend.</summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerHostileProgramTests(DockerSandboxFixture fixture) : HostileProgramSuite(fixture);

/// <summary>The benign calibration set on the Docker backend.</summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerBenignCalibrationTests(DockerSandboxFixture fixture) : BenignCalibrationSuite(fixture);

/// <summary>Verdicts, script and io tests, compile errors and validation on the Docker backend.</summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerCodeExecutorTests(DockerSandboxFixture fixture) : CodeExecutorSuite(fixture);
