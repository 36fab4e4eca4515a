using System.Formats.Tar;
using System.Globalization;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using EvoR.Sandbox.Backends;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// The engine calls of the Docker backend, through Docker.DotNet over the unix socket. Every call but the start of a
/// container goes through a Polly pipeline: a timeout per attempt and retries with jittered backoff on transient faults
/// (connection errors, 5xx). Starting is never retried: a program that may have started is never run again.
/// </summary>
internal sealed class DockerEngine : IDisposable
{
    public const string SandboxLabel = "org.evor.sandbox";
    public const string HostLabel = "org.evor.owner.host";
    public const string PidLabel = "org.evor.owner.pid";
    public const string PidNamespaceLabel = "org.evor.owner.pidns";
    public const string StartLabel = "org.evor.owner.start";
    public const string InstanceLabel = "org.evor.owner.instance";
    public const string OwnerContainerLabel = "org.evor.owner.container";
    public const string OwnerContainerStartLabel = "org.evor.owner.container-start";

    private readonly DockerClient _client;
    private readonly ResiliencePipeline _calls;

    public DockerEngine(DockerSandboxOptions options, TimeProvider time)
    {
        Endpoint = ResolveEndpoint(options.Endpoint);
        _client = Fleet.DockerClientFactory.Create(Endpoint, options.Tls);
        var calls = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.EngineRetries > 0)
        {
            calls.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = options.EngineRetries,
                Delay = TimeSpan.FromMilliseconds(100),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }

        _calls = calls.AddTimeout(TimeSpan.FromSeconds(options.EngineTimeoutSeconds)).Build();

        Labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SandboxLabel] = "1",
            [HostLabel] = System.Environment.MachineName,
            [PidLabel] = System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            [PidNamespaceLabel] = OwnerIdentity.PidNamespace(),
            [StartLabel] = OwnerIdentity.StartTime(System.Environment.ProcessId) ?? "",
            [InstanceLabel] = Guid.NewGuid().ToString("N"),
        };
    }

    /// <summary>The engine endpoint in use.</summary>
    public string Endpoint { get; }

    /// <summary>Labels on every container of this service instance.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; private set; }

    /// <summary>The container this service runs in (id and the engine's start time of it), once identified.</summary>
    public (string Id, string Started)? OwnContainer { get; private set; }

    /// <summary>
    /// When this service runs in a container of this engine, adds its id and start time to the labels of every sandbox
    /// container created from now on, so that a later service can tell, from the engine alone, that their owner is
    /// gone (a pid in another pid namespace means nothing there). Called once the engine answers, before any creation.
    /// </summary>
    public async Task IdentifyOwnContainerAsync(CancellationToken ct)
    {
        if (OwnContainer is not null || OwnerIdentity.OwnContainerId() is not { } id)
        {
            return;
        }

        if (await InspectOwnerAsync(id, ct) is not { Running: true } state)
        {
            return; // Not a container of this engine (another engine's, or a look-alike path).
        }

        OwnContainer = (id, state.Started);
        Labels = new Dictionary<string, string>(Labels, StringComparer.Ordinal)
        {
            [OwnerContainerLabel] = id,
            [OwnerContainerStartLabel] = state.Started,
        };
    }

    /// <summary>Whether a container runs and when it started (the engine's StartedAt, as given), or null when the engine
    /// does not know it.</summary>
    public async Task<(bool Running, string Started)?> InspectOwnerAsync(string id, CancellationToken ct)
    {
        try
        {
            var inspect = await InspectAsync(id, ct);
            return (inspect.State?.Running == true, inspect.State?.StartedAt ?? "");
        }
        catch (Exception e) when (IsContainerMissing(e))
        {
            return null;
        }
    }

    public string Instance => Labels[InstanceLabel];

    public IContainerOperations Containers => _client.Containers;

    public Task<VersionResponse> VersionAsync(CancellationToken ct) =>
        Call(c => _client.System.GetVersionAsync(c), ct);

    public Task<IList<ContainerListResponse>> ListSandboxesAsync(CancellationToken ct) =>
        Call(c => _client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [SandboxLabel] = true },
            },
        }, c), ct);

    public async Task<string> CreateAsync(CreateContainerParameters parameters, CancellationToken ct) =>
        (await Call(c => _client.Containers.CreateContainerAsync(parameters, c), ct)).ID;

    /// <summary>A container ready for one run: created, and with <paramref name="gated"/> also started (blocked in its
    /// gate, nothing of the run inside yet) with an end-frame nonce of its own. A gate that fails to start is removed and
    /// the fault thrown.</summary>
    public async Task<ReadyContainer> PrepareAsync(CreateContainerParameters parameters, bool gated, CancellationToken ct)
    {
        var nonce = gated ? GateEndFrame.NewNonce() : null;
        var id = await CreateAsync(nonce is null ? parameters : ContainerSpec.WithNonce(parameters, nonce), ct);
        if (gated)
        {
            try
            {
                await StartOnceAsync(id, ct);
            }
            catch
            {
                await RemoveAsync(id);
                throw;
            }
        }

        return new ReadyContainer(id, nonce);
    }

    /// <summary>Places the files at <c>/app</c> of a created container through the archive API.</summary>
    public async Task PutFilesAsync(string id, IReadOnlyList<SandboxFile> files, CancellationToken ct)
    {
        if (files.Count == 0)
        {
            return;
        }

        var tar = BuildTar(files);
        await Call(async c =>
        {
            using var stream = new MemoryStream(tar, writable: false);
            await _client.Containers.ExtractArchiveToContainerAsync(id, new CopyToContainerParameters { Path = "/app" }, stream, c);
            return true;
        }, ct);
    }

    public Task<MultiplexedStream> AttachAsync(string id, CancellationToken ct) =>
        Call(c => _client.Containers.AttachContainerAsync(id, new ContainerAttachParameters
        {
            Stream = true,
            Stdin = true,
            Stdout = true,
            Stderr = true,
        }, c), ct);

    /// <summary>Starts a container once; never retried.</summary>
    public Task StartOnceAsync(string id, CancellationToken ct) =>
        _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct);

    public async Task KillAsync(string id)
    {
        try
        {
            await Call(c => _client.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "KILL" }, c),
                CancellationToken.None);
        }
        catch (DockerApiException)
        {
            // Already stopped (409) or gone (404): either way nothing of it runs.
        }
    }

    public Task<ContainerInspectResponse> InspectAsync(string id, CancellationToken ct) =>
        Call(c => _client.Containers.InspectContainerAsync(id, c), ct);

    /// <summary>Removes a container (killing it if it runs) and its anonymous <c>/app</c> volume.</summary>
    public async Task RemoveAsync(string id)
    {
        try
        {
            await Call(c => _client.Containers.RemoveContainerAsync(id,
                new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, c), CancellationToken.None);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
        {
            // Gone already, or its removal is in progress.
        }
    }

    private async Task<T> Call<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct) =>
        await _calls.ExecuteAsync(async c => await call(c), ct);

    private async Task Call(Func<CancellationToken, Task> call, CancellationToken ct) =>
        await _calls.ExecuteAsync(async c => await call(c), ct);

    private static byte[] BuildTar(IReadOnlyList<SandboxFile> files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in files)
            {
                var name = GateInput.IsPlainName(file.Name)
                    ? file.Name
                    : throw new ArgumentException($"'{file.Name}' is not a plain file name.", nameof(files));
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(file.Content, writable: false),
                    Mode = file.Executable
                        ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
                        : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    Uid = 0,
                    Gid = 0,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                });
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Faults worth another try: the engine was momentarily unreachable or answered 5xx.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        DockerImageNotFoundException or DockerContainerNotFoundException => false,
        DockerApiException api => (int)api.StatusCode >= 500 && !IsImageMissing(api),
        HttpRequestException or IOException or SocketException or TimeoutRejectedException => true,
        _ => false,
    };

    /// <summary>The container is gone (e.g. removed by hand while it waited in the pool).</summary>
    public static bool IsContainerMissing(Exception e) =>
        e is DockerContainerNotFoundException
        || (e is DockerApiException api && api.StatusCode == System.Net.HttpStatusCode.NotFound
            && api.ResponseBody?.Contains("No such container", StringComparison.OrdinalIgnoreCase) == true);

    public static bool IsImageMissing(Exception e) =>
        e is DockerImageNotFoundException
        || (e is DockerApiException api && api.ResponseBody?.Contains("No such image", StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>A sentence for an engine fault (our fault, never the program's), or null for other exceptions.</summary>
    public string? Describe(Exception e, string image) => e switch
    {
        _ when IsImageMissing(e) => $"Docker image '{image}' is missing: build it with docker/build-images.sh",
        DockerApiException api => $"the Docker engine refused the request ({(int)api.StatusCode}): {api.ResponseBody?.Trim()}",
        TimeoutRejectedException => $"the Docker engine at {Endpoint} did not answer in time",
        System.Security.Authentication.AuthenticationException =>
            $"the TLS handshake with the Docker engine at {Endpoint} failed ({Innermost(e).Message}): check its Tls:CaPath, CertPath and KeyPath",
        HttpRequestException or IOException or SocketException =>
            $"cannot reach the Docker engine at {Endpoint} ({Innermost(e).Message}): is dockerd running and its socket writable?",
        _ => null,
    };

    /// <summary>The run a failed engine call ends with: <see cref="Describe"/>'s sentence (after <paramref name="prefix"/>)
    /// and whose fault it is (a missing image is the installation's, anything else the engine's); null for other
    /// exceptions.</summary>
    public SandboxRun? FailedRun(Exception e, string image, string prefix = "") => Describe(e, image) is { } reason
        ? new SandboxRun { SetupError = prefix + reason, Fault = IsImageMissing(e) ? SandboxFault.Installation : SandboxFault.Engine }
        : null;

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    internal static string ResolveEndpoint(string? configured)
    {
        var endpoint = configured ?? System.Environment.GetEnvironmentVariable("DOCKER_HOST");
        return string.IsNullOrWhiteSpace(endpoint) ? "unix:///var/run/docker.sock" : endpoint;
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>A container prepared for one run, and the nonce of its gate's end frame (null when it has no gate).</summary>
internal sealed record ReadyContainer(string Id, string? Nonce);
