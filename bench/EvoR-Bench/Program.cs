using EvoR.Bench.Commands;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return await BenchCli.RunAsync(args, [new SandboxBenchmarkCommand(TimeProvider.System)], Console.Out, Console.Error, cancellation.Token);
