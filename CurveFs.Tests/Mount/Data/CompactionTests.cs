using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.Data;
using CurveFs.Mount.Hosting;
using CurveFs.Mount.Vfs;

namespace CurveFs.Tests.Mount.Data;

/// <summary>Compaction of fragmented chunks: the background compactor over a real client stack, the
/// compare-and-swap against concurrent writers and truncates, and readers holding stale slice lists.</summary>
public sealed class CompactionTests
{
    private const int Block = DataClientHarness.BlockSize;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Writes and flushes 100 small overwrites at random places of the first 256 KiB (chunk 0),
    /// each its own commit, mirroring them in <paramref name="reference"/>. Returns the inode and the file length.</summary>
    private static async Task<(ulong Ino, int Length)> WriteOverwritesAsync(CurveVfs vfs, string name, byte[] reference, int seed)
    {
        var created = await vfs.CreateAsync(RequestContext.Root, 1, System.Text.Encoding.UTF8.GetBytes(name), 0x1A4, OpenFlags.ReadWrite);
        Assert.True(created.Ok, created.Error.ToString());
        var (ino, handle) = (created.Value.Entry.Attr.Ino, created.Value.Open.Handle);
        var random = new Random(seed);
        var fileLength = 0;
        for (var i = 0; i < 100; i++)
        {
            var length = random.Next(1, 32 << 10);
            var offset = random.Next(0, reference.Length - length);
            var bytes = new byte[length];
            random.NextBytes(bytes);
            bytes.CopyTo(reference, offset);
            fileLength = Math.Max(fileLength, offset + length);
            var written = await vfs.WriteAsync(RequestContext.Root, ino, handle, offset, bytes);
            Assert.True(written.Ok, written.Error.ToString());
            Assert.Equal(Errno.Ok, await vfs.FlushAsync(RequestContext.Root, ino, handle));
        }
        Assert.Equal(Errno.Ok, await vfs.ReleaseAsync(ino, handle));
        return (ino, fileLength);
    }

    private static async Task<List<SequencedSlice>> SlicesAsync(ClientStack client, ulong ino)
    {
        var slices = await client.Meta.GetSlicesAsync(ino, 0);
        Assert.True(slices.Ok, slices.Error.ToString());
        return slices.Value;
    }

    private static async Task<byte[]> ReadFileAsync(DataPathHarness h, ClientStack client, ulong ino, int length)
    {
        var handle = await h.OpenAsync(client.Vfs, ino);
        var content = await DataPathHarness.ReadAsync(client.Vfs, ino, handle, 0, length);
        Assert.Equal(Errno.Ok, await client.Vfs.ReleaseAsync(ino, handle));
        return content;
    }

    /// <summary>Every block key the store holds for the filesystem.</summary>
    private static async Task<HashSet<string>> StoredKeysAsync(DataPathHarness h)
    {
        var keys = new HashSet<string>();
        await foreach (var info in h.Store.ListAsync(ObjectKeyLayout.FsPrefix(1))) keys.Add(info.Key);
        return keys;
    }

    private static HashSet<string> KeysOf(FsInfo fs, ulong ino, IEnumerable<SequencedSlice> slices) =>
        TrashCollector.ObjectKeysOf(fs, new TrashRecord(ino, slices.Select(s => s.Slice).ToList())).ToHashSet();

    [Fact]
    public async Task BackgroundCompactor_HundredOverwrites_FewSlicesSameBytesOldObjectsDeleted()
    {
        await using var h = new DataPathHarness();
        // A chunk is offered after every 5 commits, the last time after the last write: the compaction that
        // follows leaves at most the compacted slice and 4 newer ones.
        const int threshold = 4;
        var writer = h.NewClient(new DataClientOptions { CompactionSliceThreshold = threshold });
        await writer.StartAsync(purgeOrphans: false); // starts its compactor, which runs while the writes go on
        var reference = new byte[256 << 10];
        var (ino, length) = await WriteOverwritesAsync(writer.Vfs, "fragmented", reference, seed: 1);
        var expected = reference[..length];

        var deadline = DateTime.UtcNow + Patience;
        List<SequencedSlice> slices;
        while ((slices = await SlicesAsync(writer, ino)).Count > threshold + 1)
        {
            Assert.True(DateTime.UtcNow < deadline, $"still {slices.Count} slices in chunk 0 after {Patience}");
            await Task.Delay(50);
        }
        Assert.Equal(expected, await ReadFileAsync(h, writer, ino, reference.Length));
        await h.CloseClientAsync(writer); // waits for a compaction in flight: nothing changes below the checks
        Assert.True(writer.CompactedChunks > 0);
        slices = await SlicesAsync(h.Client, ino);
        Assert.InRange(slices.Count, 1, threshold + 1);
        Assert.Contains(slices, s => s.Slice.Compaction > 0);

        await h.Client.CollectTrashAsync();
        var stored = await StoredKeysAsync(h);
        var live = KeysOf(h.Client.Info, ino, slices);
        Assert.Empty(stored.Except(live)); // every object of a replaced slice is gone
        Assert.Empty(live.Except(stored)); // and every object of the slices left exists

        // After the collector ran: a client that read nothing before, and yet another, read the same bytes.
        Assert.Equal(expected, await ReadFileAsync(h, h.Client, ino, reference.Length));
        Assert.Equal(expected, await ReadFileAsync(h, h.NewClient(), ino, reference.Length));
    }

    [Fact]
    public async Task StaleReader_ObjectsOfItsCachedSlicesCollected_PlansAgainAndReadsTheSameBytes()
    {
        await using var h = new DataPathHarness(new DataClientOptions { CompactionSliceThreshold = 8 });
        var writer = h.Client;
        var reference = new byte[256 << 10];
        var (ino, end) = await WriteOverwritesAsync(writer.Vfs, "stale", reference, seed: 2);

        // The reader caches chunk 0's slice list by reading its first bytes, and keeps its handle open.
        var reader = h.NewClient();
        var handle = await h.OpenAsync(reader.Vfs, ino);
        Assert.Equal(reference[..100], await DataPathHarness.ReadAsync(reader.Vfs, ino, handle, 0, 100));
        var oldSlices = await SlicesAsync(writer, ino);

        Assert.Equal(CompactionOutcome.Compacted, await writer.Data.CompactChunkAsync(ino, 0));
        await writer.CollectTrashAsync();
        var oldKeys = KeysOf(writer.Info, ino, oldSlices);
        Assert.DoesNotContain(await StoredKeysAsync(h), oldKeys.Contains);

        h.Store.Reset();
        var rest = await DataPathHarness.ReadAsync(reader.Vfs, ino, handle, 100, end - 100);
        Assert.Equal(reference[100..end], rest);
        Assert.Contains(h.Store.KeysRead, oldKeys.Contains); // it did try its stale list first
        Assert.Equal(Errno.Ok, await reader.Vfs.ReleaseAsync(ino, handle));
    }

    [Fact]
    public async Task CompactChunk_WriterCommitsWhileItUploads_NewDataWinsAndNothingIsLost()
    {
        await using var h = await DataClientHarness.StartAsync(new DataClientOptions { CompactionSliceThreshold = 4 });
        var ino = await h.CreateFileAsync("busy");
        var reference = new byte[4 * Block];
        var random = new Random(3);
        var length = Block / 2 + Block; // the late write's end
        for (var i = 0; i < 20; i++)
        {
            var (offset, bytes) = (random.Next(0, 3 * Block), DataClientHarness.Pattern(random.Next(1, Block), i));
            bytes.CopyTo(reference, offset);
            length = Math.Max(length, offset + bytes.Length);
            Assert.Equal(Errno.Ok, await h.Client.WriteAsync(ino, offset, bytes));
            Assert.Equal(Errno.Ok, await h.Client.FlushAsync(ino));
        }

        // Hold the compactor's upload (its keys end in compaction number 1), commit an overwrite meanwhile.
        h.Store.Hold = static (key, _) => key.EndsWith("_1", StringComparison.Ordinal);
        var compaction = h.Client.CompactChunkAsync(ino, 0);
        await DataClientHarness.WaitUntilAsync(() => h.Store.HeldPuts > 0, "the compaction's upload to start", Patience);
        var late = DataClientHarness.Pattern(Block, 99);
        late.CopyTo(reference, Block / 2);
        Assert.Equal(Errno.Ok, await h.Client.WriteAsync(ino, Block / 2, late));
        Assert.Equal(Errno.Ok, await h.Client.FlushAsync(ino));
        h.Store.ReleaseHeld();

        Assert.Equal(CompactionOutcome.Compacted, await compaction);
        var slices = (await h.Meta.GetSlicesAsync(ino, 0)).Value;
        Assert.Equal(2, slices.Count);
        Assert.Equal(1u, slices[0].Slice.Compaction);
        Assert.Equal(0u, slices[1].Slice.Compaction); // the late write stays newest
        Assert.Equal(reference[..length], await h.ReadAllAsync(ino));
    }

    [Fact]
    public async Task CompactChunk_TruncatedWhileItUploads_IsStaleAndDeletesWhatItUploaded()
    {
        await using var h = await DataClientHarness.StartAsync(new DataClientOptions { CompactionSliceThreshold = 4 });
        var ino = await h.CreateFileAsync("shrinking");
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(Errno.Ok, await h.Client.WriteAsync(ino, i * 1000, DataClientHarness.Pattern(5000, i)));
            Assert.Equal(Errno.Ok, await h.Client.FlushAsync(ino));
        }
        var putsBefore = h.Store.Puts;

        h.Store.Hold = static (key, _) => key.EndsWith("_1", StringComparison.Ordinal);
        var compaction = h.Client.CompactChunkAsync(ino, 0);
        await DataClientHarness.WaitUntilAsync(() => h.Store.HeldPuts > 0, "the compaction's upload to start", Patience);
        Assert.True((await h.Meta.ExecuteAsync(new SetAttrCommand { Ino = ino, Fields = AttrFields.Size, Size = 0, NowNs = Clock.NowNs() })).Ok);
        h.Store.ReleaseHeld();

        Assert.Equal(CompactionOutcome.Stale, await compaction);
        Assert.Empty((await h.Meta.GetSlicesAsync(ino, 0)).Value);
        Assert.Equal(putsBefore, h.Store.Puts); // the compacted blocks were deleted again
        Assert.Empty(await h.ReadAllAsync(ino));
    }

    [Fact]
    public async Task CompactChunk_SparseOrFewSlices_IsNotNeeded()
    {
        await using var h = await DataClientHarness.StartAsync(new DataClientOptions { CompactionSliceThreshold = 4 });
        var sparse = await h.CreateFileAsync("sparse");
        for (var i = 0; i < 6; i++)
        {
            // Small writes a block apart: one object over their extent would store more than they hold.
            Assert.Equal(Errno.Ok, await h.Client.WriteAsync(sparse, i * Block, DataClientHarness.Pattern(100, i)));
            Assert.Equal(Errno.Ok, await h.Client.FlushAsync(sparse));
        }
        Assert.Equal(CompactionOutcome.NotNeeded, await h.Client.CompactChunkAsync(sparse, 0));
        var small = await h.CreateFileAsync("small");
        Assert.Equal(Errno.Ok, await h.Client.WriteAsync(small, 0, DataClientHarness.Pattern(100, 1)));
        Assert.Equal(Errno.Ok, await h.Client.FlushAsync(small));
        Assert.Equal(CompactionOutcome.NotNeeded, await h.Client.CompactChunkAsync(small, 0));
    }
}
