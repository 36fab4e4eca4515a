using EvoR.Sandbox;

namespace EvoR.Api.Tests.Support;

/// <summary>Answers the health check with <see cref="Report"/>, or throws <see cref="Failure"/>.</summary>
public sealed class FakeHealthProbe : ISandboxHealthProbe
{
    public static readonly IReadOnlyList<LanguageInfo> Languages =
    [
        new() { Name = "python", Aliases = ["py", "python3"], Compiled = false, Version = "Python 3.11.2", Available = true, SupportsScriptTests = true },
        new() { Name = "c", Aliases = ["gcc"], Compiled = true, Version = "gcc 12.2.0", Available = false, SupportsScriptTests = false },
    ];

    public SandboxHealthReport Report { get; set; } = new() { Backend = "fake", Healthy = true, Languages = Languages };

    public Exception? Failure { get; set; }

    public Task<SandboxHealthReport> CheckAsync(CancellationToken cancellationToken = default) =>
        Failure is null ? Task.FromResult(Report) : Task.FromException<SandboxHealthReport>(Failure);
}
