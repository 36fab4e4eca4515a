using EvoR.Sandbox.Docker;
using Microsoft.Extensions.Options;

namespace EvoR.Sandbox.Languages;

/// <summary>
/// Whether a known language is installed for the configured backend, without running anything: the process backend
/// needs its toolchain on the host (found on the sandbox's <c>PATH</c>), the Docker backend needs its image. Cheap
/// enough to ask before every execution, so that a language that is known but not installed is refused with the command
/// that installs it instead of failing inside the sandbox.
/// </summary>
public interface ILanguageAvailability
{
    /// <summary>Why the language cannot run on this backend now (naming the command that installs it); null when it can.</summary>
    ValueTask<string?> UnavailableReasonAsync(LanguageDefinition language, CancellationToken cancellationToken = default);
}

/// <summary>The process backend's check: every toolchain program of the language is an executable file on the
/// sandbox's <c>PATH</c> (<c>Sandbox:Environment:PATH</c>), which is what the sandbox will look for.</summary>
public sealed class HostToolchainAvailability(IOptions<SandboxOptions> options) : ILanguageAvailability
{
    private readonly string[] _path = (options.Value.Environment.GetValueOrDefault("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
        .Split(':', StringSplitOptions.RemoveEmptyEntries);

    public ValueTask<string?> UnavailableReasonAsync(LanguageDefinition language, CancellationToken cancellationToken = default)
    {
        var missing = language.Toolchain.Where(tool => !OnPath(tool)).ToList();
        return ValueTask.FromResult(missing.Count == 0
            ? null
            : $"{language.Name} is not installed on this host ({string.Join(", ", missing.Select(t => $"'{t}'"))} not found"
                + $"{PackagesClause(language)}): install it with `{language.InstallCommand}`.");
    }

    private bool OnPath(string tool) => tool.StartsWith('/')
        ? IsExecutable(tool)
        : _path.Any(dir => IsExecutable(Path.Combine(dir, tool)));

    private static bool IsExecutable(string path) =>
        File.Exists(path)
        && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);

    internal static string PackagesClause(LanguageDefinition language) =>
        language.Packages.Count == 0 ? "" : $"; Debian package {string.Join(" ", language.Packages)}";
}

/// <summary>The Docker backend's check: the language's image exists in the engine. An engine that does not answer is
/// not a language's fault: the backend's own readiness reports it, so the language is not refused for it here.</summary>
public sealed class DockerImageAvailability(DockerImageResolver images, TimeProvider time) : ILanguageAvailability
{
    // A request must not pay an engine round trip each time; an image built meanwhile is seen within this long.
    private static readonly TimeSpan Remember = TimeSpan.FromSeconds(5);
    private readonly Dictionary<string, (string? Reason, long At)> _seen = new(StringComparer.Ordinal);

    public async ValueTask<string?> UnavailableReasonAsync(LanguageDefinition language, CancellationToken cancellationToken = default)
    {
        if (images.ImageOf(language) is not { } image)
        {
            return $"{language.Name} has no Docker image: set Sandbox:Docker:Images:{language.Name}.";
        }

        lock (_seen)
        {
            if (_seen.TryGetValue(image, out var hit) && time.GetElapsedTime(hit.At) < Remember)
            {
                return hit.Reason;
            }
        }

        var reason = await images.ImageExistsAsync(image, cancellationToken) is false
            ? $"{language.Name} is not installed for the Docker backend (image '{image}' is missing): build it with `{language.InstallCommand}`."
            : null;
        lock (_seen)
        {
            _seen[image] = (reason, time.GetTimestamp());
        }

        return reason;
    }
}
