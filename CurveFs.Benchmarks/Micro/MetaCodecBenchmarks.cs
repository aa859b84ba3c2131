using BenchmarkDotNet.Attributes;
using CurveFs.Common.Meta;

namespace CurveFs.Benchmarks.Micro;

/// <summary>
/// MessagePack encoding of commands as they travel to a copyset and sit in its log (<see cref="MetaCodec"/>
/// with a <see cref="CommandEnvelope"/>): a file create, and a write commit of 4 slices.
/// </summary>
[MemoryDiagnoser]
public class MetaCodecBenchmarks
{
    private CommandEnvelope _create = null!;
    private CommandEnvelope _commit = null!;
    private byte[] _createBytes = [];
    private byte[] _commitBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _create = new CommandEnvelope
        {
            ClientId = 0x1234_5678_9ABC,
            Seq = 1_000_001,
            AckedBelow = 1_000_000,
            Command = new CreateNodeCommand
            {
                FsId = 1,
                Caller = new Caller(1000, 1000, [1000, 27]),
                NowNs = 1_764_000_000_000_000_000,
                Parent = 4711,
                Name = "include-file-000123.h"u8.ToArray(),
                Mode = 0x81A4,
            },
        };
        _commit = new CommandEnvelope
        {
            ClientId = 0x1234_5678_9ABC,
            Seq = 1_000_002,
            AckedBelow = 1_000_001,
            Command = new CommitSlicesCommand
            {
                FsId = 1,
                NowNs = 1_764_000_000_000_000_000,
                Ino = 4712,
                Slices = [.. Enumerable.Range(0, 4).Select(i => new NewSlice((ulong)i, new SliceRecord(90_000 + (ulong)i, 0, 32 << 20, 0, 32 << 20)))],
                MinLength = 4L * (64 << 20),
            },
        };
        _createBytes = MetaCodec.Encode(_create);
        _commitBytes = MetaCodec.Encode(_commit);
    }

    [Benchmark]
    public byte[] EncodeCreateNode() => MetaCodec.Encode(_create);

    [Benchmark]
    public CommandEnvelope DecodeCreateNode() => MetaCodec.Decode<CommandEnvelope>(_createBytes);

    [Benchmark]
    public byte[] EncodeCommitSlices() => MetaCodec.Encode(_commit);

    [Benchmark]
    public CommandEnvelope DecodeCommitSlices() => MetaCodec.Decode<CommandEnvelope>(_commitBytes);
}
