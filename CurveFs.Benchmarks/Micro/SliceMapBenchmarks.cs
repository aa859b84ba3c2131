using BenchmarkDotNet.Attributes;
using CurveFs.Common.Meta;
using CurveFs.Mount.Data;

namespace CurveFs.Benchmarks.Micro;

/// <summary>
/// <see cref="SliceMap.Resolve"/>, which every read runs on the slices of its chunk: a file written once
/// (1 slice), and files that were overwritten in place 9 and 999 times (random 4 KiB - 1 MiB pieces over a
/// first full write) before compaction merged them. A 128 KiB read (what the kernel asks for) and the whole chunk.
/// </summary>
[MemoryDiagnoser]
public class SliceMapBenchmarks
{
    private const uint ChunkSize = 64 << 20;
    private List<SliceRecord> _slices = [];

    [Params(1, 10, 1000)]
    public int Slices { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _slices = [new SliceRecord(1, 0, ChunkSize, 0, ChunkSize)];
        for (var i = 1; i < Slices; i++)
        {
            var length = (uint)random.Next(1, 257) * 4096;
            var pos = (uint)random.Next(0, (int)((ChunkSize - length) / 4096)) * 4096;
            _slices.Add(new SliceRecord((ulong)i + 1, pos, length, 0, length));
        }
    }

    [Benchmark]
    public int Read128KiB() => SliceMap.Resolve(_slices, 32 << 20, (32 << 20) + (128 << 10)).Count;

    [Benchmark]
    public int WholeChunk() => SliceMap.Resolve(_slices, 0, ChunkSize).Count;
}
