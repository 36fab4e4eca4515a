using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EvoR.Api.Tests.Support;

/// <summary>
/// The built service (<c>EvoR.Api.dll</c>, copied next to the tests) started as its own process on a free loopback port,
/// with settings given as environment variables: what a user runs, Kestrel and Program's own exit paths included.
/// Its data goes to a temporary folder of its own unless the settings say otherwise; both are gone after disposal.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process, Uri baseAddress, string folder)
    {
        _process = process;
        BaseAddress = baseAddress;
        Folder = folder;
    }

    public Uri BaseAddress { get; }

    /// <summary>A temporary folder of this process's own (its working directory), deleted on disposal.</summary>
    public string Folder { get; }

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the service; <paramref name="settings"/> (<c>Section:Key</c> form) override its defaults. The data
    /// root and the sandbox's slow start are set to a temporary folder and off unless the settings name them.</summary>
    public static ServiceProcess Start(IReadOnlyDictionary<string, string?>? settings = null, bool redirectInput = false)
    {
        var port = FreePort();
        var folder = Directory.CreateTempSubdirectory("evor-service-").FullName;
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "EvoR.Api.dll") },
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        // The service reads appsettings.json from its content root: the folder it was built into.
        var all = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_CONTENTROOT"] = AppContext.BaseDirectory,
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Data:Root"] = Path.Combine(folder, "data"),
            ["Embeddings:Enabled"] = "false",
            ["Sandbox:Process:WarmSandboxes"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        foreach (var (key, value) in all)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}/"), folder);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Waits until the service listens; fails with its output when it exits first or takes too long.</summary>
    public async Task WaitListeningAsync(TimeSpan? timeout = null)
    {
        var exited = _process.WaitForExitAsync(Http.Ct);
        var first = await Task.WhenAny(_listening.Task, exited, Task.Delay(timeout ?? TimeSpan.FromSeconds(60), Http.Ct));
        Assert.True(first == _listening.Task, $"the service did not start listening: {Output}");
    }

    /// <summary>Waits for the process to exit and returns its exit code; fails when it keeps running.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
        // The last lines of output may still be on their way to the handlers.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        ApiFactory.DeleteFolder(Folder);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("Now listening on", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
