using System.Net;
using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Service;
using CurveFs.Mount.Meta;
using CurveFs.Mount.Meta.Topology;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Rpc;

/// <summary>
/// The cluster client over three copysets behind a real RPC server, with a partition table like the MDS
/// keeps: tiny partitions spread round-robin, so creates, lookups, unlinks and renames cross copysets.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MultiCopysetClientTests : IAsyncLifetime
{
    private const ulong PartitionSize = 16;
    private readonly string _dir = Directory.CreateTempSubdirectory("curvefs-multicopyset-").FullName;
    private readonly List<LocalCopyset> _copysets = [];
    private MetaRpcServer _server = null!;
    private TestTopology _topology = null!;
    private ClusterMetaClient _client = null!;
    private static readonly FsInfo Fs = new(3, "multi", FsInfo.DefaultChunkSize, FsInfo.DefaultBlockSize, FsInfo.DefaultCapacity);

    public async Task InitializeAsync()
    {
        for (uint id = 1; id <= 3; id++)
            _copysets.Add(LocalCopyset.Open(Path.Combine(_dir, $"cs{id}"), new LocalCopysetOptions { CopysetId = id }, NullLogger.Instance));
        _server = await MetaRpcServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), 1, new CopysetRegistry(_copysets), NullLoggerFactory.Instance);
        _topology = new TestTopology(_copysets, _server.Endpoint);
        var options = new ClusterMetaClientOptions { Endpoints = [_server.Endpoint], CallTimeout = TimeSpan.FromSeconds(2), RetryBudget = TimeSpan.FromSeconds(10) };
        _client = new ClusterMetaClient(options, Fs, _topology, NullLogger.Instance, clientId: 99);
        var root = _topology.AddPartition(1);
        Assert.True((await _copysets[0].ExecuteAsync(new InitFsCommand { FsId = Fs.FsId, Partition = root, RootMode = FileModes.Directory | 0x1FF, Fs = Fs })).Ok);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        foreach (var copyset in _copysets) copyset.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static byte[] N(string s) => Encoding.UTF8.GetBytes(s);

    private Task<MetaResult> Run(MetaCommand command) => _client.ExecuteAsync(command).AsTask();

    [Fact]
    public async Task ManyCreatesInOneDirectory_SpreadOverCopysets_AndEveryNameWorks()
    {
        var dir = (await Run(new CreateNodeCommand { Parent = 1, Name = N("dir"), Mode = FileModes.Directory | 0x1ED })).Inode!.Ino;
        var inodes = new List<ulong>();
        for (var i = 0; i < 120; i++)
        {
            var created = await Run(new CreateNodeCommand { Parent = dir, Name = N($"f{i}"), Mode = FileModes.Regular | 0x1A4 });
            Assert.True(created.Ok, $"create f{i}: {created.Error}");
            inodes.Add(created.Inode!.Ino);
        }
        Assert.Equal(3, inodes.Select(_topology.CopysetOf).Distinct().Count());
        Assert.Equal(120, inodes.Distinct().Count());
        for (var i = 0; i < 120; i++)
        {
            var found = await _client.LookupAsync(Caller.Root, dir, N($"f{i}"));
            Assert.True(found.Ok, $"lookup f{i}: {found.Error}");
            Assert.Equal(inodes[i], found.Value.Ino);
        }
        var listing = await _client.ReadDirAsync(dir, null, 1000, withAttrs: true);
        Assert.Equal(120, listing.Value.Count);
        Assert.All(listing.Value, e => Assert.NotNull(e.Attr));
        Assert.Equal(Errno.EEXIST, (await Run(new CreateNodeCommand { Parent = dir, Name = N("f7"), Mode = FileModes.Regular | 0x1A4 })).Error);

        // unlink, link and rename whose halves are in different copysets
        var remote = Enumerable.Range(0, 120).First(i => _topology.CopysetOf(inodes[i]) != _topology.CopysetOf(dir));
        Assert.True((await Run(new LinkCommand { Ino = inodes[remote], NewParent = 1, NewName = N("hard") })).Ok);
        Assert.Equal(2u, (await _client.GetAttrAsync(inodes[remote])).Value.Nlink);
        var unlinked = await Run(new UnlinkCommand { Parent = dir, Name = N($"f{remote}") });
        Assert.True(unlinked.Ok, unlinked.Error.ToString());
        Assert.Equal(1u, (await _client.GetAttrAsync(inodes[remote])).Value.Nlink);
        Assert.True((await Run(new RenameCommand { Parent = 1, Name = N("hard"), NewParent = dir, NewName = N("f0") })).Ok);
        Assert.Equal(inodes[remote], (await _client.LookupAsync(Caller.Root, dir, N("f0"))).Value.Ino);
        Assert.Equal(0u, (await _client.GetAttrAsync(inodes[0])).Value.Nlink);
        Assert.Equal(Errno.ENOENT, (await _client.LookupAsync(Caller.Root, 1, N("hard"))).Error);
        var sub = (await Run(new CreateNodeCommand { Parent = dir, Name = N("sub"), Mode = FileModes.Directory | 0x1ED })).Inode!.Ino;
        Assert.Equal(Errno.EINVAL, (await Run(new RenameCommand { Parent = 1, Name = N("dir"), NewParent = sub, NewName = N("loop") })).Error);
        Assert.True((await Run(new RmdirCommand { Parent = dir, Name = N("sub") })).Ok);
        var stats = await _client.StatFsAsync();
        Assert.True(stats.Inodes >= 120);
    }

    [Fact]
    public async Task CompactSlices_FileInAnotherCopysetThanTheRoot_SwapsItsSlicesThere()
    {
        ulong ino = 0;
        for (var i = 0; ino == 0 || _topology.CopysetOf(ino) == _topology.CopysetOf(1); i++)
            ino = (await Run(new CreateNodeCommand { Parent = 1, Name = N($"c{i}"), Mode = FileModes.Regular | 0x1A4 })).Inode!.Ino;
        for (uint i = 0; i < 3; i++)
        {
            var slice = new NewSlice(0, new SliceRecord(10 + i, i * 100, 200, 0, 200));
            Assert.True((await Run(new CommitSlicesCommand { Ino = ino, Slices = [slice], MinLength = i * 100 + 200 })).Ok);
        }
        var before = (await _client.GetSlicesAsync(ino, 0)).Value;
        CompactSlicesCommand Compact() => new()
        {
            Ino = ino, ChunkIndex = 0, ReplacedSeqs = before.ConvertAll(s => s.Seq), Slice = new SliceRecord(20, 0, 400, 0, 400, Compaction: 1),
        };

        var compacted = await Run(Compact());

        Assert.True(compacted.Ok, compacted.Error.ToString());
        var after = (await _client.GetSlicesAsync(ino, 0)).Value.Single();
        Assert.Equal((20ul, before[^1].Seq), (after.Slice.ChunkId, after.Seq));
        Assert.Equal(Errno.ESTALE, (await Run(Compact())).Error);
    }

    /// <summary>A partition table like the MDS's: new partitions of PartitionSize IDs, round-robin over the copysets.</summary>
    private sealed class TestTopology(List<LocalCopyset> copysets, string endpoint) : IClusterTopology
    {
        private readonly List<PartitionInfo> _partitions = [];
        private uint _next;

        public PartitionRecord AddPartition(uint copysetId)
        {
            var id = (uint)_partitions.Count + 1;
            var start = (ulong)_partitions.Count * PartitionSize + 1;
            _partitions.Add(new PartitionInfo(Fs.FsId, id, start, start + PartitionSize - 1, copysetId, PartitionStatus.ReadWrite));
            return new PartitionRecord { FsId = Fs.FsId, PartitionId = id, Start = start, End = start + PartitionSize - 1, NextIno = start };
        }

        public uint CopysetOf(ulong ino) => _partitions.FirstOrDefault(p => ino >= p.Start && ino <= p.End)?.CopysetId ?? 0;

        public IReadOnlyList<uint> Copysets => _partitions.Select(p => p.CopysetId).Distinct().ToList();

        public IReadOnlyList<string> EndpointsOf(uint copysetId) => [endpoint];

        public ValueTask RefreshAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public async ValueTask<PartitionInfo?> NewPartitionAsync(uint preferCopyset, CancellationToken cancellationToken = default)
        {
            var copyset = _next++ % 3 + 1;
            var record = AddPartition(copyset);
            var result = await copysets[(int)copyset - 1].ExecuteAsync(new CreatePartitionCommand { FsId = Fs.FsId, Partition = record }, cancellationToken);
            Assert.True(result.Ok);
            return _partitions[^1];
        }
    }
}
