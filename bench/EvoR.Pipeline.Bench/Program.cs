using EvoR.Pipeline.Bench;
using EvoR.Pipeline.Bench.Overhead;

return args.Length > 0 && args[0] == "retrieval" ? await RetrievalBench.RunAsync(args[1..])
    : args.Length > 0 && args[0] == "overhead" ? await OverheadBench.RunAsync(args[1..])
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: EvoR.Pipeline.Bench retrieval [--provider cpu|cuda] [--sizes 1000,10000,100000] [--queries 200] [--embed-limit 1000] [--sentences 512] [--batch 16] [--rounds 3] [--threads 0] [--spin]");
    Console.Error.WriteLine("       EvoR.Pipeline.Bench " + OverheadBench.Usage);
    return 2;
}
