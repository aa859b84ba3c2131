using BenchmarkDotNet.Attributes;
using CurveFs.Benchmarks.Micro.Doubles;
using CurveFs.Common.Meta;
using CurveFs.Mount.Data;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Benchmarks.Micro;

/// <summary>
/// The write path's buffer copy: <see cref="DataClient.WriteAsync"/> of 4 MiB in FUSE-sized pieces (4 KiB
/// and 128 KiB, the kernel's usual write sizes) into the file's write buffer, then the flush that cuts it into
/// blocks and commits one slice, into a store and metadata client that accept everything at once. One
/// invocation is 4 MiB, so 1 ms per operation is 4 GiB/s.
/// </summary>
[MemoryDiagnoser]
public class WriteBufferBenchmarks
{
    private const int BytesPerInvocation = 4 << 20;
    private const long Wrap = 1L << 30;
    private const ulong Ino = 2;

    private DataClient _client = null!;
    private byte[] _data = [];
    private long _offset;

    [Params(4096, 131072)]
    public int WriteSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var fs = new FsInfo(1, "bench", FsInfo.DefaultChunkSize, FsInfo.DefaultBlockSize, FsInfo.DefaultCapacity);
        var options = new DataClientOptions { WriteBudgetBytes = 256L << 20 };
        _client = new DataClient(new CommitOnlyMetaClient(fs), new DiscardingObjectStore(), new ChunkIdPool(new CountingChunkIdSource()), options, NullLogger.Instance);
        _data = new byte[WriteSize];
        new Random(3).NextBytes(_data);
    }

    [Benchmark]
    public async Task Write4MiBThenFlush()
    {
        for (var done = 0; done < BytesPerInvocation; done += WriteSize)
        {
            var error = await _client.WriteAsync(Ino, _offset + done, _data).ConfigureAwait(false);
            if (error != Common.Fs.Errno.Ok) throw new InvalidOperationException($"write failed: {error}");
        }
        var flushed = await _client.FlushAsync(Ino).ConfigureAwait(false);
        if (flushed != Common.Fs.Errno.Ok) throw new InvalidOperationException($"flush failed: {flushed}");
        _offset = (_offset + BytesPerInvocation) % Wrap;
    }
}
