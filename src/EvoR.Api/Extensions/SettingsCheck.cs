using System.Reflection;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Extensions;

/// <summary>
/// Checks every setting validated on start (<c>ValidateOnStart</c>) before the host starts, so that a bad value refuses
/// the start with one line naming the setting, instead of an unhandled exception (a stack trace and exit 134).
/// </summary>
public static class SettingsCheck
{
    /// <summary>Null when every setting is valid; else the one-line reason the service cannot start.</summary>
    public static string? FindInvalidSettings(IServiceProvider services)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return null;
        }
        catch (Exception error) when (Describe(error) is { } reason)
        {
            return reason;
        }
    }

    /// <summary>The reason a setting is invalid, on one line; null for an exception that is not about settings.</summary>
    internal static string? Describe(Exception error)
    {
        switch (error)
        {
            case AggregateException aggregate:
                var reasons = aggregate.InnerExceptions.Select(Describe).ToList();
                return reasons.All(r => r is not null) ? string.Join(" ", reasons) : null;
            case OptionsValidationException invalid:
                var section = invalid.OptionsType
                    .GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string;
                var failures = string.Join(" ", invalid.Failures.Select(f => f.Trim()));
                return OneLine(section is null || failures.Contains(section + ":", StringComparison.Ordinal)
                    ? $"invalid setting: {failures}"
                    : $"invalid setting in section {section}: {failures}");
            // The configuration binder: "Failed to convert configuration value 'abc' at 'Requests:MaxBodyBytes' to type …".
            case InvalidOperationException when error.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                return OneLine($"invalid setting: {error.Message}");
            default:
                return null;
        }
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
