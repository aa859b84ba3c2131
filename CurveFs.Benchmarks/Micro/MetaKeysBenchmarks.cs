using BenchmarkDotNet.Attributes;
using CurveFs.Common.Meta;

namespace CurveFs.Benchmarks.Micro;

/// <summary>Key encoding (<see cref="MetaKeys"/>): every metadata lookup and change builds one or more of these.</summary>
[MemoryDiagnoser]
public class MetaKeysBenchmarks
{
    private static readonly byte[] Name = "config.h.in~"u8.ToArray();
    private readonly byte[] _sliceKey = MetaKeys.SliceKey(7, 123_456_789, 3, 42);

    [Benchmark]
    public byte[] InodeKey() => MetaKeys.InodeKey(7, 123_456_789);

    [Benchmark]
    public byte[] DentryKey() => MetaKeys.DentryKey(7, 123_456_789, Name);

    [Benchmark]
    public byte[] SliceKey() => MetaKeys.SliceKey(7, 123_456_789, 3, 42);

    [Benchmark]
    public byte[] RequestKey() => MetaKeys.RequestKey(0xDEADBEEF, 1_000_000);

    [Benchmark]
    public ulong ParseSliceSeq() => MetaKeys.LastNumber(_sliceKey);
}
