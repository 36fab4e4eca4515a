using EvoR.Llm.Chat;
using EvoR.Llm.Configuration;
using EvoR.Llm.Cassettes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EvoR.Llm.Diagnostics;

/// <summary>
/// At start: says which model is configured (or which settings are missing) and builds the provider, so a bad cassette
/// or connector setting stops the service at once rather than at the first call.
/// </summary>
internal sealed class LlmStartupReporter(ILlmAvailability availability, LlmChatCompletionService chat, ILogger<LlmStartupReporter> logger,
    CassetteRecorder? recorder = null) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!availability.IsConfigured)
        {
            Log.NotConfigured(logger, availability.Provider, string.Join(", ", availability.MissingSettings));
            return Task.CompletedTask;
        }

        _ = chat.Provider;
        if (recorder is not null)
        {
            Log.Recording(logger, recorder.Path);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
