using System.Text;
using CurveFs.Common.Meta;
using CurveFs.Common.Snapshot;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Partition;
using CurveFs.MetaServer.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.MetaServer;

public sealed class LocalCopysetTests : IDisposable
{
    private const uint Fs = 1;
    private readonly string _dir = Directory.CreateTempSubdirectory("curvefs-copyset-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private LocalCopyset Open(long threshold = 64 << 20) =>
        LocalCopyset.Open(_dir, new LocalCopysetOptions { SnapshotThresholdBytes = threshold }, NullLogger.Instance);

    private static void Init(LocalCopyset copyset) =>
        Assert.True(copyset.ExecuteAsync(new InitFsCommand { FsId = Fs, Partition = new PartitionRecord { PartitionId = 1, Start = 1, End = 1 << 20 } }).Result.Ok);

    private static MetaResult Create(LocalCopyset copyset, string name) =>
        copyset.ExecuteAsync(new CreateNodeCommand { FsId = Fs, Parent = 1, Name = Encoding.UTF8.GetBytes(name), Mode = FileModes.Regular | 0x1A4, NowNs = 42 }).Result;

    private static List<string> Names(LocalCopyset copyset) =>
        copyset.ReadAsync(kv => MetaQueries.ReadDir(kv, Fs, 1, null, int.MaxValue, false).Value.Select(e => Encoding.UTF8.GetString(e.Name)).ToList()).Result;

    private static string Digest(LocalCopyset copyset) =>
        copyset.ReadAsync(kv => string.Join(",", kv.Scan([0], [0xFF]).Select(p => Convert.ToHexString(p.Key) + Convert.ToHexString(p.Value)))).Result;

    [Fact]
    public void Reopen_AfterCommands_RestoresTheSameState()
    {
        string before;
        using (var copyset = Open())
        {
            Init(copyset);
            for (var i = 0; i < 100; i++) Assert.True(Create(copyset, $"f{i:D3}").Ok);
            before = Digest(copyset);
        }
        using var reopened = Open();
        Assert.Equal(before, Digest(reopened));
        Assert.Equal(100, Names(reopened).Count);
    }

    [Fact]
    public void FailedCommands_AreNotLogged()
    {
        using var copyset = Open();
        Init(copyset);
        Assert.True(Create(copyset, "a").Ok);
        var seq = copyset.AppliedSeq;
        Assert.False(Create(copyset, "a").Ok);
        Assert.Equal(seq, copyset.AppliedSeq);
    }

    [Fact]
    public void Snapshot_TruncatesTheLog_AndReopenLoadsSnapshotPlusTail()
    {
        string before;
        using (var copyset = Open(threshold: 4096))
        {
            Init(copyset);
            for (var i = 0; i < 300; i++) Assert.True(Create(copyset, $"file-{i}").Ok);
            copyset.TakeSnapshot(wait: true);
            for (var i = 300; i < 310; i++) Assert.True(Create(copyset, $"file-{i}").Ok);
            before = Digest(copyset);
        }
        Assert.True(File.Exists(Path.Combine(_dir, "snapshot")));
        Assert.False(File.Exists(Path.Combine(_dir, "log.old")));
        Assert.True(new FileInfo(Path.Combine(_dir, "log")).Length < 64 * 1024);
        SnapshotReader.Verify(Path.Combine(_dir, "snapshot"));
        using var reopened = Open();
        Assert.Equal(before, Digest(reopened));
        Assert.Equal(310, Names(reopened).Count);
    }

    [Fact]
    public void TornLastRecord_IsCutOff_AndEverythingBeforeSurvives()
    {
        using (var copyset = Open())
        {
            Init(copyset);
            Assert.True(Create(copyset, "kept").Ok);
            Assert.True(Create(copyset, "torn").Ok);
        }
        var log = Path.Combine(_dir, "log");
        using (var file = new FileStream(log, FileMode.Open)) file.SetLength(file.Length - 5);
        using var reopened = Open();
        Assert.Equal(["kept"], Names(reopened));
        Assert.True(Create(reopened, "after").Ok);
    }

    [Fact]
    public void DamageBeforeTheLastRecord_RefusesToOpen()
    {
        using (var copyset = Open())
        {
            Init(copyset);
            for (var i = 0; i < 5; i++) Create(copyset, $"f{i}");
        }
        var log = Path.Combine(_dir, "log");
        var bytes = File.ReadAllBytes(log);
        bytes[30] ^= 0x40;
        File.WriteAllBytes(log, bytes);
        var error = Assert.Throws<CommandLogCorruptException>(() => Open());
        Assert.Contains("damaged", error.Message);
    }

    [Fact]
    public void CorruptSnapshot_RefusesToOpen()
    {
        using (var copyset = Open())
        {
            Init(copyset);
            Create(copyset, "x");
            copyset.TakeSnapshot(wait: true);
        }
        var snapshot = Path.Combine(_dir, "snapshot");
        var bytes = File.ReadAllBytes(snapshot);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(snapshot, bytes);
        Assert.Throws<SnapshotCorruptException>(() => Open());
    }
}
