using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EvoR.Api.Tests.Docs;

/// <summary>The built service (<c>EvoR.Api.dll</c> beside the tests) started as its own process on a free loopback
/// port, as <c>./evor.sh serve</c> starts it; its output is kept for the failure message.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts the service with <paramref name="settings"/> as environment variables (<c>Section__Key</c>) and
    /// waits until <c>/health/live</c> answers at all (any status: the pipeline serves requests; readiness is the
    /// caller's to judge).</summary>
    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        var port = FreePort();
        var bin = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = bin,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(bin, "EvoR.Api.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(bin);
        foreach (var (key, value) in settings)
            start.Environment[key] = value;
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        var service = new ServiceProcess(Process.Start(start)!, port);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (DateTime.UtcNow < deadline)
        {
            if (service._process.HasExited)
                throw new InvalidOperationException($"the service exited with {service._process.ExitCode}:\n{service.Output}");
            try
            {
                using var _ = await client.GetAsync(new Uri(service.BaseAddress, "/health/live"), ct);
                return service;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            await Task.Delay(250, ct);
        }

        await service.DisposeAsync();
        throw new TimeoutException($"the service did not answer /health/live within 180 s:\n{service.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line.Length > 400 ? line[..400] + "…" : line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
