using Docker.DotNet;
using Docker.DotNet.Unix;
using EvoR.Sandbox.Docker;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Docker;

/// <summary>Reuse within a trust scope (<c>Docker/Scopes</c>): one container serves a scope's runs, nothing a run leaves
/// reaches the next one, a container not verified clean is replaced, and scopes never share a container.</summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerScopeTests(DockerSandboxFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Prints the id of the container it runs in (cgroup v1 paths name it; under v2, mountinfo does).</summary>
    private const string ContainerId =
        "import re\nt = open('/proc/self/cgroup').read() + open('/proc/self/mountinfo').read()\nprint(sorted(set(re.findall(r'[0-9a-f]{64}', t))))\n";

    /// <summary>Leaves everything it can: files in every writable folder (one in a folder it made unwritable), a
    /// background process, a daemon (double fork, own session), a System V shared memory segment, a POSIX message
    /// queue, a changed environment, and a file in its home folder (HOME is a scratch folder or read-only).</summary>
    private const string LeaveEverything = """
        import ctypes, os, subprocess
        for d in ['/work', '/tmp', '/var/tmp', '/dev/shm']:
            open(d + '/left-behind', 'w').write('x')
            open(d + '/.hidden', 'w').write('x')
        os.makedirs('/tmp/locked/inner')
        open('/tmp/locked/inner/f', 'w').write('x')
        os.chmod('/tmp/locked/inner', 0o500)
        os.chmod('/tmp/locked', 0o500)
        try:
            open(os.path.expanduser('~') + '/left-behind', 'w').write('x')
        except OSError:
            pass  # a home outside the scratch folders is on the read-only root
        subprocess.Popen(['sleep', '300'])
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp('sleep', ['sleep', '301'])
            os._exit(0)
        os.wait()
        libc = ctypes.CDLL(None, use_errno=True)
        print('shm', libc.shmget(0x4556, 4096, 0o1600) >= 0)
        rt = ctypes.CDLL('librt.so.1', use_errno=True)
        print('mq', rt.mq_open(b'/evor-left', os.O_CREAT | os.O_RDWR, 0o600, None) >= 0)
        os.environ['EVOR_LEFT'] = 'x'
        os.putenv('EVOR_LEFT', 'x')
        """;

    /// <summary>Reports what a run finds: files, processes other than itself and its parents, IPC objects, environment.</summary>
    private const string LookAround = """
        import os
        found = []
        for d in ['/work', '/tmp', '/var/tmp', '/dev/shm', '/dev/mqueue', '/app']:
            found += [d + '/' + n for n in os.listdir(d) if n != 'main.py']
        me = {os.getpid(), os.getppid(), 1}
        found += ['pid ' + open('/proc/%s/cmdline' % p).read().replace('\0', ' ') for p in os.listdir('/proc')
                  if p.isdigit() and int(p) not in me]
        for kind in ['shm', 'msg', 'sem']:
            found += open('/proc/sysvipc/' + kind).read().splitlines()[1:]
        found += [k for k in os.environ if k.startswith('EVOR_')]
        found += [p for p in [os.path.expanduser('~') + '/left-behind'] if os.path.exists(p)]
        print(found)
        """;

    [Fact]
    public async Task Scope_RunsShareOneContainer_AndNothingOfARunReachesTheNext()
    {
        fixture.SkipIfUnavailable();
        await using var scope = fixture.Executor.OpenScope();

        var first = await RunAsync(scope, ContainerId + LeaveEverything);
        var second = await RunAsync(scope, ContainerId + LookAround);

        Assert.Equal(Verdict.Passed, first.Verdict);
        Assert.Contains("shm True", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("mq True", first.Stdout, StringComparison.Ordinal);
        Assert.Equal(Verdict.Passed, second.Verdict);
        var (firstId, secondId) = (Line(first, 0), Line(second, 0));
        Assert.Equal(firstId, secondId);
        Assert.Equal("[]", Line(second, 1));
    }

    [Fact]
    public async Task Scope_Environment_IsTheSameAsInAFreshContainer()
    {
        fixture.SkipIfUnavailable();
        const string environment = "import os\nprint(sorted(os.environ.items()))\n";
        var fresh = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = environment }, Ct);
        await using var scope = fixture.Executor.OpenScope();

        await RunAsync(scope, LeaveEverything);
        var reused = await RunAsync(scope, environment);

        Assert.Equal(Verdict.Passed, reused.Verdict);
        Assert.Equal(fresh.Stdout, reused.Stdout);
    }

    [Fact]
    public async Task Scope_StdinAndIoCases_RunInTheScopesContainer()
    {
        fixture.SkipIfUnavailable();
        await using var scope = fixture.Executor.OpenScope();
        var result = await scope.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n",
            Tests = new IoTests
            {
                Cases = [new IoCase { Stdin = "1 2", ExpectedStdout = "3" }, new IoCase { Stdin = "", ExpectedStdout = "0" },
                    new IoCase { Stdin = "5 5", ExpectedStdout = "11" }],
            },
        }, Ct);

        Assert.Equal(Verdict.Failed, result.Verdict);
        Assert.Equal([Verdict.Passed, Verdict.Passed, Verdict.Failed], result.Cases!.Select(c => c.Verdict));
    }

    [Theory]
    [InlineData("gate killed", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n")]
    [InlineData("forged end frame", "import re, sys, time\nnonce = re.search(r'evor-gate ([0-9a-f]{32})', open('/proc/%d/cmdline' % __import__('os').getppid()).read().replace('\\0', ' ')).group(1)\nframe = 'evor-gate-end:%s:000:0\\n' % nonce\nsys.stdout.write(frame); sys.stdout.flush(); sys.stderr.write(frame); sys.stderr.flush()\ntime.sleep(1)\n")]
    [InlineData("timed out", "while True: pass\n")]
    public async Task Scope_ContainerNotVerifiedClean_IsReplacedByAFreshOne(string why, string code)
    {
        fixture.SkipIfUnavailable();
        await using var scope = fixture.Executor.OpenScope();
        var before = await RunAsync(scope, ContainerId);

        await scope.ExecuteAsync(new ExecutionRequest { Language = "python", Code = code, Limits = new() { TimeoutMs = 1000 } }, Ct);
        var after = await RunAsync(scope, ContainerId + LookAround);

        Assert.Equal(Verdict.Passed, after.Verdict);
        Assert.NotEqual(Line(before, 0), Line(after, 0));
        Assert.True(Line(after, 1) == "[]", $"{why}: {after.Stdout}");
    }

    [Fact]
    public async Task TwoScopes_NeverShareAContainer_AndEachKeepsItsOwn()
    {
        fixture.SkipIfUnavailable();
        await using var a = fixture.Executor.OpenScope();
        await using var b = fixture.Executor.OpenScope();
        var ids = new List<(string Scope, string Id)>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(("a", Line(await RunAsync(a, ContainerId), 0)));
            ids.Add(("b", Line(await RunAsync(b, ContainerId), 0)));
        }

        Assert.Single(ids.Where(x => x.Scope == "a").Select(x => x.Id).Distinct());
        Assert.Single(ids.Where(x => x.Scope == "b").Select(x => x.Id).Distinct());
        Assert.NotEqual(ids[0].Id, ids[1].Id);
    }

    [Fact]
    public async Task ScopeEnded_ItsContainersAreRemoved()
    {
        fixture.SkipIfUnavailable();
        var before = fixture.DockerBackend.ScopedContainers;
        var scope = fixture.Executor.OpenScope();
        await Task.WhenAll(RunAsync(scope, "print(1)"), RunAsync(scope, "print(2)"));
        Assert.True(fixture.DockerBackend.ScopedContainers > before);

        await scope.DisposeAsync();
        await fixture.DockerBackend.WaitForCleanupAsync();

        Assert.Equal(before, fixture.DockerBackend.ScopedContainers);
    }

    [Fact]
    public async Task ScopeNeverEnded_ItsIdleContainerIsRemovedAfterScopeIdleSeconds()
    {
        fixture.SkipIfUnavailable();
        await using var services = SandboxFixture.Build(new Dictionary<string, string?>
        {
            ["Sandbox:Backend"] = "docker",
            ["Sandbox:Docker:ScopeIdleSeconds"] = "5",
        });
        var backend = services.GetRequiredService<DockerSandboxBackend>();
        var scope = services.GetRequiredService<CodeExecutor>().OpenScope(); // never disposed: its owner forgot it
        Assert.Equal(Verdict.Passed, (await RunAsync(scope, "print(1)")).Verdict);
        Assert.Equal(1, backend.ScopedContainers);

        // The sweep runs every ScopeIdleSeconds / 4; allow it far more than the idle time on a loaded machine.
        for (var i = 0; i < 120 && backend.ScopedContainers > 0; i++)
        {
            await Task.Delay(250, Ct);
        }

        Assert.Equal(0, backend.ScopedContainers);
    }

    [Fact]
    public async Task ServiceStop_RemovesTheContainersOfScopesStillOpen()
    {
        fixture.SkipIfUnavailable();
        string id;
        await using (var services = SandboxFixture.Build(new Dictionary<string, string?> { ["Sandbox:Backend"] = "docker" }))
        {
            var scope = services.GetRequiredService<CodeExecutor>().OpenScope();
            id = Line(await RunAsync(scope, ContainerId), 0).Trim('[', ']', '\'');
            Assert.Equal(1, services.GetRequiredService<DockerSandboxBackend>().ScopedContainers);
        }

        using var client = new DockerClientBuilder()
            .WithEndpoint(new Uri(Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock"))
            .WithTransportOptions(new UnixSocketTransportOptions()).Build();
        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => client.Containers.InspectContainerAsync(id, Ct));
    }

    private static async Task<ExecutionResult> RunAsync(IExecutionScope scope, string code) =>
        await scope.ExecuteAsync(new ExecutionRequest { Language = "python", Code = code }, Ct);

    private static string Line(ExecutionResult result, int index) =>
        result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(index) ?? "";
}
