using EvoR.Bench.Commands;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return await BenchCli.RunAsync(args, Console.Out, Console.Error, TimeProvider.System, cancellation.Token,
    interactive: !Console.IsOutputRedirected && !Console.IsErrorRedirected);
