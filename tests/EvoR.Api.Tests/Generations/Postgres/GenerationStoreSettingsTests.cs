using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Generations.Postgres;

/// <summary>The settings that choose the store refuse a start with one line naming what to set; none needs a server.</summary>
public sealed class GenerationStoreSettingsTests
{
    [Fact]
    public void Start_PostgresWithoutConnectionString_RefusesAndNamesIt()
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { ["Generations:Store"] = "postgres" });

        StartFailure.Assert(factory, "ConnectionStrings:EvoR");
    }

    [Fact]
    public void Start_UnknownStore_RefusesAndNamesTheSetting()
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { ["Generations:Store"] = "mysql" });

        StartFailure.Assert(factory, "Generations:Store");
    }

    [Fact]
    public void Start_LeaseTooShort_RefusesAndNamesTheSetting()
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { ["Generations:Postgres:LeaseSeconds"] = "1" });

        StartFailure.Assert(factory, "Generations:Postgres");
    }

    [Fact]
    public void Start_PostgresNotAnswering_RefusesAndNamesTheConnectionString()
    {
        // A port nothing listens on: the start fails at once, naming the setting to check.
        using var factory = new ApiFactory(new Dictionary<string, string?>
        {
            ["Generations:Store"] = "postgres",
            ["ConnectionStrings:EvoR"] = "Host=127.0.0.1;Port=1;Username=evor;Timeout=3",
        });

        StartFailure.Assert(factory, "ConnectionStrings:EvoR");
    }
}
