using EvoR.Api.Generations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EvoR.Api.Tests.Generations;

/// <summary>The list's query parameters on their own: defaults, accepted spellings, and the field a refusal names.</summary>
public sealed class GenerationListQueryTests
{
    private static readonly string[] Methods = ["evor", "vanilla"];

    [Fact]
    public void Parse_Nothing_EveryStatusAndMethodFirstPageOfDefaultSize()
    {
        var (query, problem) = GenerationListQuery.Parse(null, null, null, null, Methods);

        Assert.Null(problem);
        Assert.NotNull(query);
        Assert.Empty(query.Statuses);
        Assert.Null(query.Method);
        Assert.Equal(GenerationsApi.DefaultPageSize, query.PageSize);
        Assert.Null(query.After);
    }

    [Fact]
    public void Parse_StatusesMethodAndLimit_TrimmedAndLowerCased()
    {
        var (query, _) = GenerationListQuery.Parse(" Queued, running ,", " EVOR ", " 100 ", null, Methods);

        Assert.NotNull(query);
        Assert.Equal([GenerationStatus.Queued, GenerationStatus.Running], query.Statuses);
        Assert.Equal("evor", query.Method);
        Assert.Equal(GenerationsApi.MaxPageSize, query.PageSize);
    }

    [Fact]
    public void Parse_CursorGivenOut_IsWhereThePageStarts()
    {
        var createdAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var (query, _) = GenerationListQuery.Parse(null, null, null, GenerationCursor.Encode(createdAt, "job-1"), Methods);

        Assert.NotNull(query);
        Assert.Equal((createdAt, "job-1"), query.After);
    }

    [Theory]
    [InlineData("done", null, null, null, "status")]
    [InlineData(null, "nope", null, null, "method")]
    [InlineData(null, null, "0", null, "limit")]
    [InlineData(null, null, "101", null, "limit")]
    [InlineData(null, null, "-1", null, "limit")]
    [InlineData(null, null, "ten", null, "limit")]
    [InlineData(null, null, null, "not-a-cursor", "cursor")]
    public void Parse_BadParameter_ProblemNamesItsField(string? status, string? method, string? limit, string? cursor, string field)
    {
        var (query, problem) = GenerationListQuery.Parse(status, method, limit, cursor, Methods);

        Assert.Null(query);
        var details = Assert.IsType<ProblemHttpResult>(problem).ProblemDetails;
        Assert.Equal(400, details.Status);
        Assert.Equal(field, details.Extensions["field"]);
    }
}
