using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mds.ChunkIds;
using CurveFs.MetaServer.Hosting;
using CurveFs.Mount.Data;
using CurveFs.Mount.Meta;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Mount.Data;

/// <summary>
/// A real metadata engine (an in-process copyset in a temp directory) under a <see cref="DataClient"/>
/// over a <see cref="GatedObjectStore"/>, with small blocks (64 KiB) so tests move little data.
/// <see cref="ReopenAsync"/> starts a fresh copyset and data client over the same directory and store,
/// as a remount does.
/// </summary>
internal sealed class DataClientHarness : IAsyncDisposable
{
    public const int BlockSize = 64 << 10;
    private const uint ChunkSize = 1 << 20;

    private readonly string _dir = Directory.CreateTempSubdirectory("curvefs-data-").FullName;
    private readonly DataClientOptions _options;
    private LocalCopyset _copyset = null!;

    private DataClientHarness(DataClientOptions options) => _options = options;

    public GatedObjectStore Store { get; } = new();
    public EmbeddedMetaClient Meta { get; private set; } = null!;
    public DataClient Client { get; private set; } = null!;
    public FsInfo Fs { get; } = new(1, "test", ChunkSize, BlockSize, FsInfo.DefaultCapacity);

    public static async Task<DataClientHarness> StartAsync(DataClientOptions options)
    {
        var harness = new DataClientHarness(options);
        await harness.OpenAsync().ConfigureAwait(false);
        return harness;
    }

    private async Task OpenAsync()
    {
        _copyset = LocalCopyset.Open(Path.Combine(_dir, "meta"), new LocalCopysetOptions(), NullLogger.Instance);
        Meta = new EmbeddedMetaClient(_copyset, Fs);
        var init = await Meta.InitializeAsync(0, 0, FileModes.Directory | 0x1ED).ConfigureAwait(false);
        if (init != Errno.Ok) throw new InvalidOperationException($"init: {init}");
        Client = new DataClient(Meta, Store, new ChunkIdPool(new LocalChunkIdCounter(Path.Combine(_dir, "chunkid"))), _options, NullLogger.Instance);
    }

    /// <summary>Drops the data client and the copyset (without flushing) and opens both again.</summary>
    public async Task ReopenAsync()
    {
        await Meta.SyncAsync().ConfigureAwait(false);
        _copyset.Dispose();
        await OpenAsync().ConfigureAwait(false);
    }

    public async Task<ulong> CreateFileAsync(string name)
    {
        var result = await Meta.ExecuteAsync(new CreateNodeCommand
        {
            Parent = 1, Name = System.Text.Encoding.UTF8.GetBytes(name), Mode = FileModes.Regular | 0x1A4, NowNs = Clock.NowNs(),
        }).ConfigureAwait(false);
        if (!result.Ok) throw new InvalidOperationException($"create {name}: {result.Error}");
        return result.Inode!.Ino;
    }

    /// <summary>Reads the whole file as this client sees it (committed data plus what is buffered).</summary>
    public async Task<byte[]> ReadAllAsync(ulong ino)
    {
        var attr = await Meta.GetAttrAsync(ino).ConfigureAwait(false);
        if (!attr.Ok) throw new InvalidOperationException($"getattr {ino}: {attr.Error}");
        var length = Math.Max(attr.Value.Length, Client.PendingEnd(ino));
        var data = new byte[length];
        var read = await Client.ReadAsync(ino, 0, data).ConfigureAwait(false);
        if (!read.Ok) throw new InvalidOperationException($"read {ino}: {read.Error}");
        return data[..read.Value];
    }

    /// <summary>Polls until the condition holds; fails the test when it does not within <paramref name="patience"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    public static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public async ValueTask DisposeAsync()
    {
        Store.ReleaseHeld();
        Store.Hold = static (_, _) => false;
        await Meta.DisposeAsync().ConfigureAwait(false);
        _copyset.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
