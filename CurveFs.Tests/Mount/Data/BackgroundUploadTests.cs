using CurveFs.Common.Fs;
using CurveFs.Mount.Data;
using Xunit;

namespace CurveFs.Tests.Mount.Data;

/// <summary>The streaming write path: full blocks upload in the background, in parallel, under the
/// mount's write budget; fsync waits for them and commits in write order.</summary>
public sealed class BackgroundUploadTests
{
    private const int Block = DataClientHarness.BlockSize;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task WriteAsync_SequentialFullBlocks_UploadInParallelBeforeAnyFlush()
    {
        await using var h = await DataClientHarness.StartAsync(new DataClientOptions { WriteBudgetBytes = 16 * Block });
        var ino = await h.CreateFileAsync("seq");
        h.Store.Hold = static (_, _) => true;
        var data = DataClientHarness.Pattern(8 * Block, 1);
        for (var at = 0; at < data.Length; at += 16 << 10)
            Assert.Equal(Errno.Ok, await h.Client.WriteAsync(ino, at, data.AsMemory(at, 16 << 10)));

        // No flush was asked for, yet the full blocks are all on their way at once.
        await DataClientHarness.WaitUntilAsync(() => h.Store.InFlight == 8, "8 block uploads in flight", Patience);
        Assert.Equal(data, await h.ReadAllAsync(ino)); // reads see data still being uploaded

        h.Store.ReleaseHeld();
        Assert.Equal(Errno.Ok, await h.Client.FlushAsync(ino));
        Assert.Equal(8, h.Store.Puts);
        Assert.Equal(0, h.Client.BufferedBytes);
        Assert.Equal(data, await h.ReadAllAsync(ino));
    }

    [Fact]
    public async Task WriteAsync_BudgetUsed_WriterWaitsAndHeldBytesNeverExceedIt()
    {
        const long budget = 4 * Block;
        await using var h = await DataClientHarness.StartAsync(new DataClientOptions { WriteBudgetBytes = budget });
        var ino = await h.CreateFileAsync("budget");
        long maxBuffered = 0;
        h.Store.OnPut = () => InterlockedMax(ref maxBuffered, h.Client.BufferedBytes);
        h.Store.Hold = static (_, _) => true;
        var data = DataClientHarness.Pattern(32 * Block, 2);
        var writer = Task.Run(async () =>
        {
            for (var at = 0; at < data.Length; at += 8 << 10)
            {
                Assert.Equal(Errno.Ok, await h.Client.WriteAsync(ino, at, data.AsMemory(at, 8 << 10)));
                InterlockedMax(ref maxBuffered, h.Client.BufferedBytes);
            }
        });

        await DataClientHarness.WaitUntilAsync(() => h.Store.InFlight == 4, "the budget's worth of uploads in flight", Patience);
        await Task.Delay(300);
        Assert.False(writer.IsCompleted, "the writer should wait while the budget is used");
        Assert.True(h.Client.BufferedBytes <= budget, $"buffered {h.Client.BufferedBytes} > budget {budget}");

        // Let puts through in rounds; the writer moves on as commits give the budget back.
        while (!writer.IsCompleted)
        {
            h.Store.ReleaseHeld();
            await Task.WhenAny(writer, Task.Delay(20));
        }
        await writer;
        h.Store.Hold = static (_, _) => false;
        h.Store.ReleaseHeld();
        Assert.Equal(Errno.Ok, await h.Client.FlushAsync(ino));
        Assert.True(Interlocked.Read(ref maxBuffered) <= budget, $"buffered bytes peaked at {maxBuffered} > budget {budget}");
        Assert.True(h.Store.MaxBytesInFlight <= budget, $"{h.Store.MaxBytesInFlight} bytes were in puts at once > budget {budget}");
        Assert.Equal(data, await h.ReadAllAsync(ino));
    }

    [Fact]
    public async Task FlushAsync_ThenRemount_DataReadableFromStoreAndMetadata()
    {
        await using var h = await DataClientHarness.StartAsync(new DataClientOptions { WriteBudgetBytes = 8 * Block });
        var ino = await h.CreateFileAsync("durable");
        var data = DataClientHarness.Pattern(5 * Block + 1234, 3); // full blocks and a partial tail
        for (var at = 0; at < data.Length; at += 10000)
            Assert.Equal(Errno.Ok, await h.Client.WriteAsync(ino, at, data.AsMemory(at, Math.Min(10000, data.Length - at))));
        Assert.Equal(Errno.Ok, await h.Client.FlushAsync(ino));

        await h.ReopenAsync();
        var attr = await h.Meta.GetAttrAsync(ino);
        Assert.Equal((ulong)data.Length, attr.Value.Length);
        Assert.Equal(data, await h.ReadAllAsync(ino));
    }

    [Fact]
    public async Task FlushAsync_BackgroundUploadFailed_ReportsEioUntilTheStoreRecovers()
    {
        await using var h = await DataClientHarness.StartAsync(new DataClientOptions
        {
            WriteBudgetBytes = 8 * Block, UploadRetryDelay = TimeSpan.FromMinutes(5), // only a flush retries here
        });
        var ino = await h.CreateFileAsync("failing");
        h.Store.FailPuts = true;
        var data = DataClientHarness.Pattern(3 * Block, 4);
        Assert.Equal(Errno.Ok, await h.Client.WriteAsync(ino, 0, data));

        Assert.Equal(Errno.EIO, await h.Client.FlushAsync(ino));
        Assert.Equal(Errno.EIO, await h.Client.FlushAsync(ino)); // not forgotten after one report
        Assert.Equal(data, await h.ReadAllAsync(ino));           // the data is still buffered

        h.Store.FailPuts = false;
        Assert.Equal(Errno.Ok, await h.Client.FlushAsync(ino));
        Assert.Equal(0, h.Client.BufferedBytes);
        await h.ReopenAsync();
        Assert.Equal(data, await h.ReadAllAsync(ino));
    }

    [Fact]
    public async Task FlushAsync_OverwriteUploadedBeforeTheDataItShadows_NewestWins()
    {
        await using var h = await DataClientHarness.StartAsync(new DataClientOptions { WriteBudgetBytes = 8 * Block });
        var ino = await h.CreateFileAsync("overwrite");
        var older = Enumerable.Repeat((byte)1, Block).ToArray();
        var newer = Enumerable.Repeat((byte)2, Block).ToArray();
        h.Store.Hold = static (_, data) => data.Span[0] == 1; // the older block's upload is slow

        Assert.Equal(Errno.Ok, await h.Client.WriteAsync(ino, 0, older));
        Assert.Equal(Errno.Ok, await h.Client.WriteAsync(ino, 0, newer));
        await DataClientHarness.WaitUntilAsync(() => h.Store.Puts == 1 && h.Store.HeldPuts == 1, "the newer block uploaded, the older held", Patience);
        await Task.Delay(100); // room for a wrong early commit of the newer piece
        Assert.Equal(newer, await h.ReadAllAsync(ino));

        var flush = h.Client.FlushAsync(ino).AsTask();
        await Task.Delay(100);
        Assert.False(flush.IsCompleted, "fsync must wait for the older upload");
        h.Store.ReleaseHeld();
        Assert.Equal(Errno.Ok, await flush);

        await h.ReopenAsync();
        Assert.Equal(newer, await h.ReadAllAsync(ino));
    }

    [Fact]
    public async Task Discard_WhileUploading_GivesTheBudgetBack()
    {
        await using var h = await DataClientHarness.StartAsync(new DataClientOptions { WriteBudgetBytes = 8 * Block });
        var ino = await h.CreateFileAsync("discarded");
        h.Store.Hold = static (_, _) => true;
        Assert.Equal(Errno.Ok, await h.Client.WriteAsync(ino, 0, DataClientHarness.Pattern(3 * Block + 100, 5)));
        await DataClientHarness.WaitUntilAsync(() => h.Store.InFlight == 3, "3 uploads in flight", Patience);

        h.Client.Discard(ino);
        h.Store.ReleaseHeld();
        await DataClientHarness.WaitUntilAsync(() => h.Client.BufferedBytes == 0, "the budget given back", Patience);
        Assert.False(h.Client.HasPendingWrites(ino));
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var seen = Interlocked.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen) return;
            seen = previous;
        }
    }
}
