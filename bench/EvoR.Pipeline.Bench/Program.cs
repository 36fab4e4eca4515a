using EvoR.Pipeline.Bench;

return args.Length > 0 && args[0] == "retrieval"
    ? await RetrievalBench.RunAsync(args[1..])
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: EvoR.Pipeline.Bench retrieval [--provider cpu|cuda] [--sizes 1000,10000,100000] [--queries 200] [--embed-limit 1000] [--sentences 512] [--batch 16] [--rounds 3] [--threads 0] [--spin]");
    return 2;
}
