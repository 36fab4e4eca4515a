using Docker.DotNet;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Languages;
using Microsoft.Extensions.Options;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// Picks the image of a run. A run spec names no language, only a command and files, so the language is found by the
/// command the executor derives from it (its run, version or compile command) and, where two languages share a run
/// command (compiled programs run as <c>/app/prog</c>), by the source file among the run's files. The image comes from
/// <c>Sandbox:Docker:Images</c>, else from the language's <c>image</c> in languages.json.
/// </summary>
public sealed class DockerImageResolver(LanguageCatalog catalog, IOptions<SandboxOptions> options) : IDisposable
{
    private readonly Dictionary<string, string> _overrides = options.Value.Docker.Images;

    // Its own client, made on first use: asking whether an image exists needs none of the backend's run machinery.
    private readonly Lazy<DockerClient> _client = new(() =>
        Fleet.DockerClientFactory.Create(DockerEngine.ResolveEndpoint(options.Value.Docker.Endpoint), options.Value.Docker.Tls));

    /// <summary>Whether the engine has the image; null when no engine answers (within a few seconds).</summary>
    public async Task<bool?> ImageExistsAsync(string image, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await _client.Value.Images.InspectImageAsync(image, timeout.Token);
            return true;
        }
        catch (Exception e) when (DockerEngine.IsImageMissing(e))
        {
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException
            or System.Security.Authentication.AuthenticationException
            or TimeoutException or DockerApiException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }

    /// <summary>The image for a language, or null when it has none.</summary>
    public string? ImageOf(LanguageDefinition language) =>
        _overrides.TryGetValue(language.Name, out var image) ? image : language.Image;

    /// <summary>The language and image a run needs; an error message when none fits.</summary>
    public (LanguageDefinition? Language, string? Image, string? Error) Resolve(SandboxRunSpec spec)
    {
        var command = spec.Command;
        var candidates = catalog.All.Where(l =>
            command.SequenceEqual(l.Run, StringComparer.Ordinal)
            || command.SequenceEqual(l.Version, StringComparer.Ordinal)
            || (l.Compile is { } compile && command.Count >= compile.Count
                && command.Skip(command.Count - compile.Count).SequenceEqual(compile, StringComparer.Ordinal))).ToList();
        var files = spec.Files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var language = candidates.Count switch
        {
            0 => catalog.All.FirstOrDefault(l => files.Contains(l.SourceFile)),
            1 => candidates[0],
            _ => candidates.FirstOrDefault(l => files.Contains(l.SourceFile)) ?? candidates[0],
        };

        if (language is null)
        {
            return (null, null, $"the Docker backend cannot tell which language image runs '{command.FirstOrDefault()}'");
        }

        var image = ImageOf(language);
        return image is null
            ? (language, null, $"language '{language.Name}' has no Docker image: set Sandbox:Docker:Images:{language.Name}")
            : (language, image, null);
    }
}
