using Microsoft.Extensions.Logging.Console;

namespace EvoR.Api.Telemetry;

/// <summary>
/// Console logs a person can read on a terminal (the <c>simple</c> formatter, one line per entry) and JSON lines
/// otherwise (output redirected to a file, a pipe, a container log). <c>Logging:Console:FormatterName</c>
/// (<c>simple</c>, <c>json</c>, <c>systemd</c>) overrides the choice.
/// </summary>
public static class ConsoleLogging
{
    public static IHostApplicationBuilder AddEvoRConsoleLogging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleLoggerOptions>().PostConfigure<IConfiguration>((options, configuration) =>
            options.FormatterName = ChooseFormatter(configuration["Logging:Console:FormatterName"], Console.IsOutputRedirected));
        // The timestamp is followed by the level on the same line: keep them apart.
        builder.Services.AddOptions<SimpleConsoleFormatterOptions>().PostConfigure(options =>
        {
            if (options.TimestampFormat is { Length: > 0 } format && !format.EndsWith(' '))
            {
                options.TimestampFormat = format + " ";
            }
        });
        return builder;
    }

    /// <summary>The configured formatter when one is set; else <c>simple</c> on a terminal, <c>json</c> when the
    /// output is redirected.</summary>
    public static string ChooseFormatter(string? configured, bool outputRedirected) =>
        !string.IsNullOrWhiteSpace(configured) ? configured.Trim()
        : outputRedirected ? ConsoleFormatterNames.Json
        : ConsoleFormatterNames.Simple;
}
