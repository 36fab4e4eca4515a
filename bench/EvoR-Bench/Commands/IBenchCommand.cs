namespace EvoR.Bench.Commands;

/// <summary>One command of the bench CLI (<c>EvoR.Bench NAME [options]</c>).</summary>
internal interface IBenchCommand
{
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Options, one per line, for <c>--help</c>.</summary>
    string Usage { get; }

    /// <summary>Runs the command; returns the process exit code.</summary>
    Task<int> RunAsync(BenchArguments arguments, TextWriter output, CancellationToken cancellationToken);
}
