using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvoR.Api.Generations;

/// <summary>The JSON of stored specs, results and events: the API's own conventions (camelCase members, enums as
/// camelCase names, the same as every endpoint's responses). Reading accepts any casing of an enum name, so rows
/// written by builds that wrote PascalCase names still read.</summary>
internal static class GenerationJson
{
    /// <summary>The casing of every enum value the API writes (<c>passed</c>, <c>sandboxError</c>, <c>executionFeedback</c>).</summary>
    public static JsonNamingPolicy EnumNaming => JsonNamingPolicy.CamelCase;

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(EnumNaming) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Stored {typeof(T).Name} is null.");

    /// <summary>An enum value as the API writes it.</summary>
    public static string Wire<TEnum>(TEnum value)
        where TEnum : struct, Enum => EnumNaming.ConvertName(value.ToString());
}
