using System.Globalization;

namespace EvoR.Api.Generations;

/// <summary>
/// The query of <c>GET /v1/generations</c>, parsed: the statuses and method to keep (none: all), the page size and
/// where the page starts. A bad parameter is a 400 problem whose <c>field</c> names it, so a client can say which.
/// </summary>
internal sealed record GenerationListQuery(IReadOnlyList<GenerationStatus> Statuses, string? Method, int PageSize, (DateTimeOffset, string)? After)
{
    public static (GenerationListQuery? Query, IResult? Problem) Parse(string? status, string? method, string? limit, string? cursor,
        IReadOnlyCollection<string> knownMethods)
    {
        var statuses = new List<GenerationStatus>();
        foreach (var name in (status ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!GenerationStatuses.TryParse(name.ToLowerInvariant(), out var parsed))
            {
                return (null, GenerationProblems.Invalid("status",
                    $"Unknown status '{name}'; use queued, running, succeeded, failed, cancelled or interrupted (several comma-separated)."));
            }

            statuses.Add(parsed);
        }

        string? wantedMethod = null;
        if (!string.IsNullOrWhiteSpace(method))
        {
            wantedMethod = method.Trim().ToLowerInvariant();
            if (!knownMethods.Contains(wantedMethod))
            {
                return (null, GenerationProblems.UnknownMethod(method, knownMethods));
            }
        }

        var pageSize = GenerationsApi.DefaultPageSize;
        if (limit is not null
            && (!int.TryParse(limit.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > GenerationsApi.MaxPageSize))
        {
            return (null, GenerationProblems.OutOfRange("limit",
                $"limit must be an integer from 1 to {GenerationsApi.MaxPageSize.ToString(CultureInfo.InvariantCulture)}, not '{limit}'."));
        }

        (DateTimeOffset, string)? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (GenerationCursor.Decode(cursor) is not { } decoded)
            {
                return (null, GenerationProblems.Invalid("cursor", "cursor is not a cursor this service gave out; pass a nextCursor unchanged."));
            }

            after = decoded;
        }

        return (new GenerationListQuery(statuses, wantedMethod, pageSize, after), null);
    }
}
