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

/// <summary>The hostile suite with every run in one trust scope: each hostile program's container, once verified clean,
/// serves the next program.</summary>
[Collection(ScopedDockerSandboxCollection.Name)]
public sealed class ScopedDockerHostileProgramTests(ScopedDockerSandboxFixture fixture) : HostileProgramSuite(fixture);

/// <summary>The benign calibration set with every run in one trust scope.</summary>
[Collection(ScopedDockerSandboxCollection.Name)]
public sealed class ScopedDockerBenignCalibrationTests(ScopedDockerSandboxFixture fixture) : BenignCalibrationSuite(fixture);

/// <summary>Verdicts, script and io tests, compile errors and validation with every run in one trust scope.</summary>
[Collection(ScopedDockerSandboxCollection.Name)]
public sealed class ScopedDockerCodeExecutorTests(ScopedDockerSandboxFixture fixture) : CodeExecutorSuite(fixture);

[Collection(ScopedDockerSandboxCollection.Name)]
public sealed class ScopedDockerFilesAndArgumentsTests(ScopedDockerSandboxFixture fixture) : FilesAndArgumentsSuite(fixture);
