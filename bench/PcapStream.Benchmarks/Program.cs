using BenchmarkDotNet.Running;

namespace PcapStream.Benchmarks;

/// <summary>Micro-benchmarks: <c>dotnet run -c Release --project bench/PcapStream.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
