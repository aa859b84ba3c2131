using CurveFs.Common.Fs;
using CurveFs.Common.Snapshot;
using Xunit;

namespace CurveFs.Tests.Common;

public class SnapshotWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void Write_CountDiffersFromPairs_ThrowsAndLeavesNothing(long count)
    {
        string path = _dir.File("count.snap");

        var e = Assert.Throws<ArgumentException>(() => SnapshotWriter.Write(path, count, MemoryPairs(4)));

        Assert.Contains("count mismatch", e.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Write_EnumerationThrowsMidway_ExistingSnapshotStaysIntact()
    {
        string path = _dir.File("state.snap");
        SnapshotWriter.Write(path, SnapshotSamples.SmallPairs());
        byte[] before = File.ReadAllBytes(path);

        // Enough data is written before the failure that the temp file has real content on disk.
        var e = Assert.Throws<InvalidOperationException>(
            () => SnapshotWriter.Write(path, 10_000, FailingPairs(failAfter: 5_000)));

        Assert.Equal("disk full (simulated)", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + SnapshotFormat.TempSuffix));
        Assert.Equal(4, SnapshotReader.ReadAll(path).Count);
    }

    [Fact]
    public void Write_OverExistingSnapshot_ReplacesItWhileOpenReadersKeepTheOldOne()
    {
        string path = _dir.File("state.snap");
        SnapshotWriter.Write(path, SnapshotSamples.SmallPairs());
        using SnapshotReader old = SnapshotReader.Open(path);

        SnapshotWriter.Write(path, SnapshotSamples.RandomPairs(10, seed: 3));

        Assert.Equal(10, SnapshotReader.ReadAll(path).Count);
        int oldPairs = 0;
        old.ForEachPair((_, _) => oldPairs++);
        Assert.Equal(4, oldPairs);
        Assert.False(File.Exists(path + SnapshotFormat.TempSuffix));
    }

    [Fact]
    public void Write_StaleTempFileFromACrash_IsReplaced()
    {
        string path = _dir.File("state.snap");
        File.WriteAllBytes(path + SnapshotFormat.TempSuffix, new byte[100_000]);

        SnapshotWriter.Write(path, SnapshotSamples.SmallPairs());

        Assert.False(File.Exists(path + SnapshotFormat.TempSuffix));
        Assert.Equal(4, SnapshotReader.ReadAll(path).Count);
    }

    [Fact]
    public void Write_TempFileHeldByAnotherWriter_FailsWithoutTouchingIt()
    {
        string path = _dir.File("state.snap");
        string temp = path + SnapshotFormat.TempSuffix;
        using var other = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None);
        other.Write([1, 2, 3]);
        other.Flush();

        Assert.Throws<IOException>(() => SnapshotWriter.Write(path, SnapshotSamples.SmallPairs()));

        Assert.True(File.Exists(temp));
        Assert.Equal(3, new FileInfo(temp).Length);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Write_KeyOverTheLimit_ThrowsAndLeavesNothing()
    {
        string path = _dir.File("limit.snap");
        byte[] key = new byte[SnapshotFormat.MaxKeyLength + 1];

        var e = Assert.Throws<ArgumentException>(() => SnapshotWriter.Write(path, [(key, [])]));

        Assert.Contains("over the 64 MiB limit", e.Message);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Write_MissingDirectory_ThrowsDirectoryNotFound()
    {
        Assert.Throws<DirectoryNotFoundException>(
            () => SnapshotWriter.Write(_dir.File("no/such/dir/x.snap"), SnapshotSamples.SmallPairs()));
    }

    [Fact]
    public void DirectorySync_MissingDirectory_ThrowsWithTheErrno()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        DirectorySync.Fsync(_dir.Path);

        var e = Assert.Throws<IOException>(() => DirectorySync.Fsync(_dir.File("missing")));

        Assert.Contains("errno 2", e.Message);
    }

    private static IEnumerable<KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>> MemoryPairs(int count)
    {
        foreach ((byte[] key, byte[] value) in SnapshotSamples.RandomPairs(count, seed: 11))
        {
            yield return new(key, value);
        }
    }

    private static IEnumerable<KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>> FailingPairs(int failAfter)
    {
        foreach ((byte[] key, byte[] value) in SnapshotSamples.RandomPairs(failAfter, seed: 12, maxValue: 1_000))
        {
            yield return new(key, value);
        }
        throw new InvalidOperationException("disk full (simulated)");
    }
}
