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

/// <summary>The hostile suite on the Docker backend under gVisor (<c>runsc</c>).</summary>
[Collection(GvisorSandboxCollection.Name)]
public sealed class GvisorHostileProgramTests(GvisorSandboxFixture fixture) : HostileProgramSuite(fixture);

/// <summary>The benign calibration set on the Docker backend under gVisor (<c>runsc</c>).</summary>
[Collection(GvisorSandboxCollection.Name)]
public sealed class GvisorBenignCalibrationTests(GvisorSandboxFixture fixture) : BenignCalibrationSuite(fixture);

[Collection(DockerSandboxCollection.Name)]
public sealed class DockerFilesAndArgumentsTests(DockerSandboxFixture fixture) : FilesAndArgumentsSuite(fixture);
