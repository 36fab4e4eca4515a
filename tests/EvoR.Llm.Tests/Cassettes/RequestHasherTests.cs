using EvoR.Llm.Cassettes;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace EvoR.Llm.Tests.Cassettes;

public sealed class RequestHasherTests
{
    private static readonly string Baseline = RequestHasher.Hash("m", LlmTestHost.Prompt("q"), new OpenAIPromptExecutionSettings { Temperature = 0.2 });

    [Fact]
    public void Hash_SameRequestBuiltTwice_IsEqualAndHex()
    {
        var again = RequestHasher.Hash("m", LlmTestHost.Prompt("q"), new OpenAIPromptExecutionSettings { Temperature = 0.2 });

        Assert.Equal(Baseline, again);
        Assert.Matches("^[0-9a-f]{64}$", again);
    }

    [Fact]
    public void Hash_SettingsAsExtensionData_EqualsTypedSettings()
    {
        var generic = new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["temperature"] = 0.2 } };

        Assert.Equal(Baseline, RequestHasher.Hash("m", LlmTestHost.Prompt("q"), generic));
    }

    public static TheoryData<string, string, string?, double?> Variants => new()
    {
        // model, user message, system message, temperature
        { "other-model", "q", "You write Python.", 0.2 },
        { "m", "q ", "You write Python.", 0.2 },
        { "m", "q", "You write Lua.", 0.2 },
        { "m", "q", null, 0.2 },
        { "m", "q", "You write Python.", 0.3 },
        { "m", "q", "You write Python.", null },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Hash_AnyRelevantChange_Differs(string model, string user, string? system, double? temperature)
    {
        var settings = new OpenAIPromptExecutionSettings { Temperature = temperature };

        Assert.NotEqual(Baseline, RequestHasher.Hash(model, LlmTestHost.Prompt(user, system), settings));
    }

    [Fact]
    public void Hash_RoleOfMessage_IsPartOfIt()
    {
        var asAssistant = new ChatHistory("You write Python.");
        asAssistant.AddAssistantMessage("q");

        Assert.NotEqual(Baseline, RequestHasher.Hash("m", asAssistant, new OpenAIPromptExecutionSettings { Temperature = 0.2 }));
    }
}
