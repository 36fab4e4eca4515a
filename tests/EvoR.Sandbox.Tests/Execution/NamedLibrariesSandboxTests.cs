using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Tests.Support;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Execution;

/// <summary>
/// Named libraries on both backends: a request that names one imports it (Python, from <c>PYTHONPATH</c>), the
/// folder is never writable from the sandbox, a library not named is not there, an every-run library is there without
/// being named, and an unknown name is refused before anything runs.
/// </summary>
[Collection(DockerSandboxCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NamedLibrariesSandboxTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _root = Directory.CreateTempSubdirectory("evor-libraries-").FullName;

    public NamedLibrariesSandboxTests()
    {
        // Under /tmp, which the process sandbox mounts its own scratch over: bound at /libraries/ all the same.
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        foreach (var (library, package, answer) in new[] { ("sci", "newScience", "maximised"), ("other", "otherlib", "other"), ("always", "alwayslib", "always") })
        {
            var folder = Directory.CreateDirectory(Path.Combine(_root, library, package)).FullName;
            File.SetUnixFileMode(Path.GetDirectoryName(folder)!, (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
            File.WriteAllText(Path.Combine(folder, "__init__.py"), $"def optimize():\n    return '{answer}'\n");
            File.SetUnixFileMode(Path.Combine(folder, "__init__.py"), (UnixFileMode)0b110_100_100);
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<(ServiceProvider Services, CodeExecutor Executor)> StartAsync(string backend)
    {
        var services = SandboxFixture.Build(new Dictionary<string, string?>
        {
            ["Sandbox:Backend"] = backend,
            ["Sandbox:Libraries:sci:Path"] = Path.Combine(_root, "sci"),
            ["Sandbox:Libraries:other:Path"] = Path.Combine(_root, "other"),
            ["Sandbox:Libraries:always:Path"] = Path.Combine(_root, "always"),
            ["Sandbox:Libraries:always:EveryRun"] = "true",
            ["Sandbox:Process:WarmSandboxes"] = "0",
            ["Sandbox:Docker:PoolSize"] = "0",
        });
        var reason = backend == "docker"
            ? await DockerSandboxProbe.UnavailableReasonAsync(services.GetRequiredService<ISandboxBackend>(), Ct)
            : await SandboxFixture.UnavailableReasonAsync(services);
        if (reason is not null)
        {
            await services.DisposeAsync();
            Assert.Skip(reason);
        }

        return (services, services.GetRequiredService<CodeExecutor>());
    }

    [Theory]
    [InlineData("process")]
    [InlineData("docker")]
    public async Task NamedLibrary_Importable_NotWritable_OthersAbsent(string backend)
    {
        var (services, executor) = await StartAsync(backend);
        await using var _ = services;

        var result = await executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = """
                import os, newScience, alwayslib
                print(newScience.optimize(), alwayslib.optimize(), os.path.exists('/libraries/other'))
                for path in ['/libraries/sci/newScience/planted.py', '/libraries/sci/newScience/__init__.py', '/libraries/sci/planted']:
                    try:
                        open(path, 'a').write('x')
                        print('WROTE', path)
                    except OSError:
                        pass
                try:
                    os.chmod('/libraries/sci/newScience', 0o777)
                    print('CHMOD')
                except OSError:
                    pass
                """,
            Libraries = ["sci"],
        }, Ct);

        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message} {result.Stderr}");
        Assert.Equal("maximised always False\n", result.Stdout);
        Assert.False(File.Exists(Path.Combine(_root, "sci", "newScience", "planted.py")));
        Assert.Equal("def optimize():\n    return 'maximised'\n", await File.ReadAllTextAsync(Path.Combine(_root, "sci", "newScience", "__init__.py"), Ct));
    }

    [Theory]
    [InlineData("process")]
    [InlineData("docker")]
    public async Task UnknownLibrary_RefusedBeforeAnythingRuns(string backend)
    {
        var (services, executor) = await StartAsync(backend);
        await using var _ = services;

        var error = await Assert.ThrowsAsync<ExecutionRequestException>(() => executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "print(1)",
            Libraries = ["missing"],
        }, Ct));

        Assert.Equal((RequestErrorKind.UnknownLibrary, "libraries[0]"), (error.Kind, error.Field));
    }
}
