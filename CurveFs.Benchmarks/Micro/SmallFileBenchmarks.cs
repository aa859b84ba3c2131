using System.Text;
using BenchmarkDotNet.Attributes;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.Hosting;
using CurveFs.Mount.Vfs;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Benchmarks.Micro;

/// <summary>
/// A small-file create as the embedded mount serves it, without FUSE and the kernel: create, one 4 KiB
/// write and release (which uploads the block and commits it) through the VFS of a real embedded
/// filesystem (copyset with its log, local-directory object store) in a temporary directory. The gap
/// between this and the end-to-end create rate of `curvefs-bench smallfiles` is the FUSE round trips.
/// </summary>
[MemoryDiagnoser]
public class SmallFileBenchmarks
{
    private readonly byte[] _content = new byte[4096];
    private string _dir = "";
    private EmbeddedFilesystem _fs = null!;
    private ulong _directory;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("curvefs-bench-micro-").FullName;
        _fs = EmbeddedFilesystem.OpenAsync(new EmbeddedOptions(_dir), NullLoggerFactory.Instance).GetAwaiter().GetResult();
        var made = _fs.Client.Vfs.MkdirAsync(RequestContext.Root, 1, Encoding.UTF8.GetBytes("files"), 0x1ED).AsTask().GetAwaiter().GetResult();
        if (!made.Ok) throw new InvalidOperationException($"mkdir failed: {made.Error}");
        _directory = made.Value.Attr.Ino;
        new Random(5).NextBytes(_content);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fs.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark]
    public async Task CreateWrite4KiBClose()
    {
        var vfs = _fs.Client.Vfs;
        var name = Encoding.UTF8.GetBytes("f" + Interlocked.Increment(ref _next));
        var created = await vfs.CreateAsync(RequestContext.Root, _directory, name, 0x1A4, OpenFlags.WriteOnly).ConfigureAwait(false);
        if (!created.Ok) throw new InvalidOperationException($"create failed: {created.Error}");
        var (entry, open) = created.Value;
        var written = await vfs.WriteAsync(RequestContext.Root, entry.Attr.Ino, open.Handle, 0, _content).ConfigureAwait(false);
        if (!written.Ok) throw new InvalidOperationException($"write failed: {written.Error}");
        var flushed = await vfs.FlushAsync(RequestContext.Root, entry.Attr.Ino, open.Handle).ConfigureAwait(false);
        if (flushed != Errno.Ok) throw new InvalidOperationException($"flush failed: {flushed}");
        var released = await vfs.ReleaseAsync(entry.Attr.Ino, open.Handle).ConfigureAwait(false);
        if (released != Errno.Ok) throw new InvalidOperationException($"release failed: {released}");
    }
}
