using Docker.DotNet;
using Docker.DotNet.Models;
using Docker.DotNet.Unix;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Docker;
using EvoR.Sandbox.Tests.Support;

namespace EvoR.Sandbox.Tests.Docker;

/// <summary>What only the Docker backend does: fresh containers from the pool, cleanup, the leftover reaper.</summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerBackendTests(DockerSandboxFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Runs_EachInAFreshContainer_NeverReused()
    {
        fixture.SkipIfUnavailable();
        // cgroup v1 paths name the container; under cgroup v2 the hostname-independent id is in /proc/self/mountinfo.
        const string code = "import re\nt = open('/proc/self/cgroup').read() + open('/proc/self/mountinfo').read()\nprint(sorted(set(re.findall(r'[0-9a-f]{64}', t))))\n";
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = code }, Ct);
            Assert.Equal(Verdict.Passed, result.Verdict);
            ids.Add(result.Stdout.Trim());
        }

        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task BurstOnAnEmptyProfile_EveryRunGetsItsOwnFreshContainer()
    {
        fixture.SkipIfUnavailable();
        // A profile never used before (its own memory limit): the first run creates its container, the next ones wait for
        // the pool's fills under way or create their own; each still gets a container of its own, used once.
        const string code = "import re\nt = open('/proc/self/cgroup').read() + open('/proc/self/mountinfo').read()\nprint(sorted(set(re.findall(r'[0-9a-f]{64}', t))))\n";
        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => fixture.Executor.ExecuteAsync(
            new ExecutionRequest { Language = "python", Code = code, Limits = new() { MemoryMb = 200 } }, Ct)));

        Assert.All(runs, r => Assert.Equal(Verdict.Passed, r.Verdict));
        Assert.Equal(runs.Length, runs.Select(r => r.Stdout.Trim()).Distinct().Count());
    }

    [Fact]
    public async Task Gate_ProgramPrintingTheMarker_GetsItAsOutput_AndItsStdinIntact()
    {
        fixture.SkipIfUnavailable();
        // The gate's marker is taken off stdout once, before the program starts; the program cannot fake or hide it.
        const string code = "import sys\nprint('evor-gate-open')\nprint(sys.stdin.read(), end='')\n";
        var result = await fixture.Executor.ExecuteAsync(
            new ExecutionRequest { Language = "python", Code = code, Stdin = "line one\nevor-gate-open\n" }, Ct);
        Assert.Equal(Verdict.Passed, result.Verdict);
        Assert.Equal("evor-gate-open\nline one\nevor-gate-open\n", result.Stdout);
    }

    [Fact]
    public async Task Gate_AppMadeWritableAgain_StillRunsNothingFromIt()
    {
        fixture.SkipIfUnavailable();
        // The gate's /app belongs to the program's user, which can undo the gate's chmod; it is noexec, like all scratch.
        const string code = """
            import os, subprocess
            os.chmod('/app', 0o755)
            with open('/app/x.sh', 'w') as f:
                f.write('#!/bin/sh\necho ran\n')
            os.chmod('/app/x.sh', 0o755)
            try:
                subprocess.run(['/app/x.sh'], check=True)
            except PermissionError:
                print('refused')
            """;
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = code }, Ct);
        Assert.Equal(Verdict.Passed, result.Verdict);
        Assert.Equal("refused\n", result.Stdout);
    }

    [Fact]
    public async Task OneProcessAllowed_StillRuns()
    {
        // Behind the Python gate, which places the files itself (the shell gate's helper would not fit).
        fixture.SkipIfUnavailable();
        var result = await fixture.Executor.ExecuteAsync(
            new ExecutionRequest { Language = "python", Code = "import os\nprint(os.listdir('/app'))\n", Limits = new() { MaxProcesses = 1 } }, Ct);
        Assert.Equal(Verdict.Passed, result.Verdict);
        Assert.Equal("['main.py']\n", result.Stdout);
    }

    [Fact]
    public async Task AfterRuns_NoContainerOfThisInstanceLeftBeyondThePool()
    {
        fixture.SkipIfUnavailable();
        await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = "while True:\n    pass\n", Limits = new() { TimeoutMs = 500 } }, Ct);
        await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = "print(1)" }, Ct);
        await fixture.DockerBackend.WaitForCleanupAsync();

        using var client = Client();
        var mine = await ListAsync(client, DockerEngine.InstanceLabel + "=" + fixture.DockerBackend.Instance);
        // Only pool containers may remain (created, or started and blocked in their gate); every container that ran is gone.
        Assert.All(mine, c => Assert.Contains(c.State, new[] { "created", "running" }));
        Assert.True(mine.Count <= fixture.DockerBackend.PooledContainers + 4, $"{mine.Count} containers for {fixture.DockerBackend.PooledContainers} pooled");
    }

    [Fact]
    public async Task Run_ImageGoneAfterTheAvailabilityCheck_AnInstallationFaultNamingTheImage()
    {
        fixture.SkipIfUnavailable();
        // The executor refuses a language whose image is missing before it runs (a 4xx naming the command); an image
        // removed after that check reaches the backend, whose set-up error must not read as the engine's fault.
        await using var services = SandboxFixture.Build(new Dictionary<string, string?>
        {
            ["Sandbox:Backend"] = "docker",
            ["Sandbox:Docker:Images:python"] = "evor/sandbox-never-built:test",
        });
        var backend = (DockerSandboxBackend)services.GetService(typeof(DockerSandboxBackend))!;

        var run = await backend.RunAsync(new SandboxRunSpec { Command = ["python3", "--version"], Limits = new ExecutionLimits() }, Ct);

        Assert.Equal(SandboxFault.Installation, run.Fault);
        Assert.Contains("Docker image 'evor/sandbox-never-built:test' is missing", run.SetupError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ReapsContainersOfDeadOwners_KeepsLiveAndForeignOnes()
    {
        fixture.SkipIfUnavailable();
        using var client = Client();
        var deadPid = await DeadPidAsync();
        var pidns = OwnerIdentity.PidNamespace();
        var dead = await CreateLabelledAsync(client, Environment.MachineName, pidns, deadPid);
        var foreignHost = await CreateLabelledAsync(client, "another-host-" + Guid.NewGuid().ToString("N")[..8], pidns, deadPid);
        var otherNamespace = await CreateLabelledAsync(client, Environment.MachineName, "pid:[1]", deadPid);
        var live = await CreateLabelledAsync(client, Environment.MachineName, pidns, Environment.ProcessId);
        try
        {
            // A fresh backend reaps at start.
            await using var services = SandboxFixture.Build(new Dictionary<string, string?> { ["Sandbox:Backend"] = "docker" });
            var backend = (DockerSandboxBackend)services.GetService(typeof(DockerSandboxBackend))!;
            Assert.Null(await backend.EnsureReadyAsync(Ct));

            Assert.False(await ExistsAsync(client, dead), "the dead owner's container survived");
            Assert.True(await ExistsAsync(client, foreignHost), "another host's container was removed");
            Assert.True(await ExistsAsync(client, otherNamespace), "a container of a service in another pid namespace was removed");
            Assert.True(await ExistsAsync(client, live), "a live service's container was removed");
        }
        finally
        {
            foreach (var id in new[] { dead, foreignHost, otherNamespace, live })
            {
                try
                {
                    await client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None);
                }
                catch (DockerContainerNotFoundException)
                {
                }
            }
        }
    }

    [Fact]
    public async Task Start_ReapsContainersWhoseOwnerContainerIsGoneStoppedOrRestarted_KeepsALiveOnesAsItStarted()
    {
        fixture.SkipIfUnavailable();
        using var client = Client();
        // Owners in containers: one running now, one created and never started (as a crashed service's container is:
        // not running), and an id the engine never knew.
        var running = (await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "evor/sandbox-python:bookworm",
            Cmd = ["sleep", "120"],
            HostConfig = new HostConfig { NetworkMode = "none" },
        }, Ct)).ID;
        var stopped = (await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "evor/sandbox-python:bookworm",
            Cmd = ["true"],
            HostConfig = new HostConfig { NetworkMode = "none" },
        }, Ct)).ID;
        var created = new List<string> { running, stopped };
        try
        {
            await client.Containers.StartContainerAsync(running, new ContainerStartParameters(), Ct);
            var started = (await client.Containers.InspectContainerAsync(running, Ct)).State!.StartedAt;
            // The pid labels name a live process of another host: without the owner container, none of these is a leftover.
            var liveOwner = await CreateOwnedAsync(client, running, started);
            var restartedOwner = await CreateOwnedAsync(client, running, "2001-01-01T00:00:00Z");
            var stoppedOwner = await CreateOwnedAsync(client, stopped, "");
            var unknownOwner = await CreateOwnedAsync(client, new string('e', 64), "2001-01-01T00:00:00Z");
            created.AddRange([liveOwner, restartedOwner, stoppedOwner, unknownOwner]);

            await using var services = SandboxFixture.Build(new Dictionary<string, string?> { ["Sandbox:Backend"] = "docker" });
            var backend = (DockerSandboxBackend)services.GetService(typeof(DockerSandboxBackend))!;
            Assert.Null(await backend.EnsureReadyAsync(Ct));

            Assert.True(await ExistsAsync(client, liveOwner), "a container of a live service in a container was removed");
            Assert.False(await ExistsAsync(client, restartedOwner), "the container of an earlier start of a restarted owner survived");
            Assert.False(await ExistsAsync(client, stoppedOwner), "the container of a stopped owner survived");
            Assert.False(await ExistsAsync(client, unknownOwner), "the container of a removed owner survived");
        }
        finally
        {
            foreach (var id in created)
            {
                try
                {
                    await client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None);
                }
                catch (DockerContainerNotFoundException)
                {
                }
            }
        }
    }

    private static async Task<string> CreateOwnedAsync(DockerClient client, string ownerContainer, string ownerStarted) =>
        (await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "evor/sandbox-python:bookworm",
            Cmd = ["true"],
            Labels = new Dictionary<string, string>
            {
                [DockerEngine.SandboxLabel] = "1",
                [DockerEngine.HostLabel] = "another-host-" + Guid.NewGuid().ToString("N")[..8],
                [DockerEngine.PidNamespaceLabel] = "pid:[1]",
                [DockerEngine.PidLabel] = "1",
                [DockerEngine.InstanceLabel] = Guid.NewGuid().ToString("N"),
                [DockerEngine.OwnerContainerLabel] = ownerContainer,
                [DockerEngine.OwnerContainerStartLabel] = ownerStarted,
            },
            HostConfig = new HostConfig { NetworkMode = "none" },
        }, Ct)).ID;

    private static DockerClient Client() =>
        new DockerClientBuilder().WithEndpoint(new Uri(Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock"))
            .WithTransportOptions(new UnixSocketTransportOptions()).Build();

    private static async Task<IList<ContainerListResponse>> ListAsync(DockerClient client, string label) =>
        await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [label] = true } },
        }, Ct);

    private static async Task<string> CreateLabelledAsync(DockerClient client, string host, string pidNamespace, int pid) =>
        (await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "evor/sandbox-python:bookworm",
            Cmd = ["true"],
            Labels = new Dictionary<string, string>
            {
                [DockerEngine.SandboxLabel] = "1",
                [DockerEngine.HostLabel] = host,
                [DockerEngine.PidNamespaceLabel] = pidNamespace,
                [DockerEngine.PidLabel] = pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [DockerEngine.InstanceLabel] = Guid.NewGuid().ToString("N"),
            },
            HostConfig = new HostConfig { NetworkMode = "none" },
        }, Ct)).ID;

    private static async Task<bool> ExistsAsync(DockerClient client, string id)
    {
        try
        {
            await client.Containers.InspectContainerAsync(id, Ct);
            return true;
        }
        catch (DockerContainerNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The pid of a process that has exited (and is reaped), so no live process holds it now.</summary>
    private static async Task<int> DeadPidAsync()
    {
        using var process = System.Diagnostics.Process.Start("/bin/true")!;
        await process.WaitForExitAsync(Ct);
        return process.Id;
    }
}
