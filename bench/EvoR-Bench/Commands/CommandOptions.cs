using System.CommandLine;

namespace EvoR.Bench.Commands;

/// <summary>Option shapes the bench's commands share, so that each states its bounds and is validated alike.</summary>
internal static class CommandOptions
{
    /// <summary>An integer option with a default and a lower bound; a smaller value is a usage error naming the option.</summary>
    public static Option<int> AtLeast(string name, string description, int defaultValue, int min)
    {
        var option = new Option<int>(name) { Description = $"{description}", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < min)
            {
                r.AddError($"Option '{name}' must be at least {min}.");
            }
        });
        return option;
    }
}
