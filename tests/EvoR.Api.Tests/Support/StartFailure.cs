namespace EvoR.Api.Tests.Support;

/// <summary>Checks that the app refuses to start, and why.</summary>
public static class StartFailure
{
    /// <summary>Asserts the host fails to start and logs an exception, or an error, whose message contains
    /// <paramref name="text"/> (Program refuses invalid settings with an error log line and no exception).
    /// The log is checked rather than the thrown exception: when Program's host fails, it disposes itself, and
    /// WebApplicationFactory may then surface an ObjectDisposedException instead of the cause.</summary>
    public static void Assert(ApiFactory factory, string text)
    {
        Xunit.Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        var causes = factory.Logs.GetSnapshot()
            .Where(r => r.Exception is not null || r.Level >= Microsoft.Extensions.Logging.LogLevel.Error)
            .Select(r => r.Exception?.Message ?? r.Message)
            .ToList();
        Xunit.Assert.True(
            causes.Any(m => m.Contains(text, StringComparison.Ordinal)),
            $"no logged start failure mentions '{text}': {string.Join(" | ", causes)}");
    }
}
