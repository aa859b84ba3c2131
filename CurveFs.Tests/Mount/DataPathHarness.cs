using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mds.ChunkIds;
using CurveFs.MetaServer.Hosting;
using CurveFs.Mount.Data;
using CurveFs.Mount.Hosting;
using CurveFs.Mount.Meta;
using CurveFs.Mount.ObjectStore;
using CurveFs.Mount.Vfs;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Mount;

/// <summary>
/// A real client stack (VFS, data client) over an in-process copyset and a local-directory object
/// store behind a <see cref="CountingObjectStore"/>, with small chunks and blocks. <see cref="NewClient"/>
/// adds a second client of the same filesystem (another mount, as far as caches are concerned).
/// </summary>
public sealed class DataPathHarness : IAsyncDisposable
{
    public const uint ChunkSize = 1 << 20;
    public const uint BlockSize = 64 << 10;

    private readonly string _dir = Directory.CreateTempSubdirectory("curvefs-datapath-").FullName;
    private readonly LocalCopyset _copyset;
    private readonly EmbeddedMetaClient _meta;
    private readonly LocalChunkIdCounter _chunkIds;
    private readonly List<ClientStack> _clients = [];

    /// <param name="fsUuid">The filesystem's UUID: a new one when null, "" for a filesystem from before UUIDs.</param>
    public DataPathHarness(DataClientOptions? data = null, string? fsUuid = null)
    {
        _copyset = LocalCopyset.Open(Path.Combine(_dir, "meta"), new LocalCopysetOptions(), NullLogger.Instance);
        _meta = new EmbeddedMetaClient(_copyset, new FsInfo(1, "test", ChunkSize, BlockSize, FsInfo.DefaultCapacity, fsUuid ?? FsInfo.NewUuid()));
        Assert.Equal(Errno.Ok, _meta.InitializeAsync(0, 0, 0x1FF).AsTask().Result);
        _chunkIds = new LocalChunkIdCounter(Path.Combine(_dir, "chunkid"));
        Store = new CountingObjectStore(new LocalDirObjectStore(Path.Combine(_dir, "objects"), durable: false));
        Client = NewClient(data);
    }

    public CountingObjectStore Store { get; }
    public ClientStack Client { get; }
    public CurveVfs Vfs => Client.Vfs;
    public DataClient Data => Client.Data;

    /// <summary>Another client over the same metadata and objects, with its own caches.</summary>
    public ClientStack NewClient(DataClientOptions? data = null)
    {
        var client = new ClientStack(new SharedMeta(_meta, this), new SharedStore(Store), _chunkIds, data ?? new DataClientOptions(), new VfsOptions(), NullLoggerFactory.Instance);
        _clients.Add(client);
        return client;
    }

    /// <summary>Disposes a client from <see cref="NewClient"/> now (an unmount), not with the harness.</summary>
    public async Task CloseClientAsync(ClientStack client)
    {
        Assert.True(_clients.Remove(client));
        await client.DisposeAsync();
    }

    /// <summary>Creates a file with the given content through a client's VFS and closes it (which commits).</summary>
    public static async Task<ulong> CreateFileAsync(CurveVfs vfs, string name, byte[] content)
    {
        var created = await vfs.CreateAsync(RequestContext.Root, 1, System.Text.Encoding.UTF8.GetBytes(name), 0x1A4, OpenFlags.ReadWrite);
        Assert.True(created.Ok, created.Error.ToString());
        var (entry, open) = created.Value;
        await WriteAsync(vfs, entry.Attr.Ino, open.Handle, 0, content);
        Assert.Equal(Errno.Ok, await vfs.ReleaseAsync(entry.Attr.Ino, open.Handle));
        return entry.Attr.Ino;
    }

    public static async Task WriteAsync(CurveVfs vfs, ulong ino, ulong handle, long offset, byte[] content)
    {
        for (var at = 0; at < content.Length; at += 1 << 20)
        {
            var piece = content.AsMemory(at, Math.Min(1 << 20, content.Length - at));
            var written = await vfs.WriteAsync(RequestContext.Root, ino, handle, offset + at, piece);
            Assert.True(written.Ok, written.Error.ToString());
        }
    }

    /// <summary>Reads [offset, offset + length) through an open handle, in reads of <paramref name="step"/> bytes.</summary>
    public static async Task<byte[]> ReadAsync(CurveVfs vfs, ulong ino, ulong handle, long offset, int length, int step = 128 << 10)
    {
        var result = new byte[length];
        var done = 0;
        while (done < length)
        {
            var read = await vfs.ReadAsync(RequestContext.Root, ino, handle, offset + done, result.AsMemory(done, Math.Min(step, length - done)));
            Assert.True(read.Ok, read.Error.ToString());
            if (read.Value == 0) break;
            done += read.Value;
        }
        return result[..done];
    }

    public async Task<ulong> OpenAsync(CurveVfs vfs, ulong ino, int flags = OpenFlags.ReadOnly)
    {
        var open = await vfs.OpenAsync(RequestContext.Root, ino, flags);
        Assert.True(open.Ok, open.Error.ToString());
        return open.Value.Handle;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        await Store.DisposeAsync();
        _copyset.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private int _getAttrCalls;
    private int _getXattrCalls;

    /// <summary>How many attribute lookups all clients sent to the metadata service.</summary>
    public int GetAttrCalls => Volatile.Read(ref _getAttrCalls);
    /// <summary>How many extended-attribute reads all clients sent to the metadata service.</summary>
    public int GetXattrCalls => Volatile.Read(ref _getXattrCalls);
    /// <summary>Called when a client makes the metadata durable (fsync).</summary>
    public Action? OnMetaSync { get; set; }

    /// <summary>Lets several clients share the one metadata client without the first dispose closing it, and
    /// counts what they ask of it for the harness.</summary>
    private sealed class SharedMeta(IMetaClient inner, DataPathHarness harness) : IMetaClient
    {
        public FsInfo Fs => inner.Fs;
        public ulong ClientId => inner.ClientId;
        public ValueTask<MetaResult> ExecuteAsync(MetaCommand command, CancellationToken cancellationToken = default) => inner.ExecuteAsync(command, cancellationToken);
        public ValueTask<Result<InodeRecord>> LookupAsync(Caller caller, ulong parent, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) => inner.LookupAsync(caller, parent, name, cancellationToken);
        public ValueTask<Result<InodeRecord>> GetAttrAsync(ulong ino, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref harness._getAttrCalls);
            return inner.GetAttrAsync(ino, cancellationToken);
        }
        public ValueTask<Result<List<DirEntryRecord>>> ReadDirAsync(ulong dir, byte[]? startAfter, int limit, bool withAttrs, CancellationToken cancellationToken = default) => inner.ReadDirAsync(dir, startAfter, limit, withAttrs, cancellationToken);
        public ValueTask<Result<byte[]>> GetXattrAsync(Caller caller, ulong ino, string name, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref harness._getXattrCalls);
            return inner.GetXattrAsync(caller, ino, name, cancellationToken);
        }
        public ValueTask<Result<List<string>>> ListXattrAsync(Caller caller, ulong ino, CancellationToken cancellationToken = default) => inner.ListXattrAsync(caller, ino, cancellationToken);
        public ValueTask<Result<List<SequencedSlice>>> GetSlicesAsync(ulong ino, ulong chunkIndex, CancellationToken cancellationToken = default) => inner.GetSlicesAsync(ino, chunkIndex, cancellationToken);
        public ValueTask<FsStats> StatFsAsync(CancellationToken cancellationToken = default) => inner.StatFsAsync(cancellationToken);
        public ValueTask<Errno> SyncAsync(CancellationToken cancellationToken = default)
        {
            harness.OnMetaSync?.Invoke();
            return inner.SyncAsync(cancellationToken);
        }
        public ValueTask<List<ulong>> ListOrphansAsync(CancellationToken cancellationToken = default) => inner.ListOrphansAsync(cancellationToken);
        public ValueTask<List<(byte[] Key, TrashRecord Record)>> ListTrashAsync(int limit, CancellationToken cancellationToken = default) => inner.ListTrashAsync(limit, cancellationToken);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>The shared store, not disposed by each client.</summary>
    private sealed class SharedStore(IObjectStore inner) : ForwardingObjectStore(inner)
    {
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
