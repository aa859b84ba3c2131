using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Partition;
using CurveFs.Mount.Meta.Transactions;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Transactions;

/// <summary>Three copyset states in memory, each owning one partition of 1,000 inode IDs, reached
/// through <see cref="ICopysetAccess"/> the way the cluster client reaches real copysets.</summary>
internal sealed class MultiCopysetHarness : ICopysetAccess, IInodeLocator
{
    public const uint Fs = 1;
    public const ulong PartitionSize = 1000;
    public readonly Dictionary<uint, CopysetState> Copysets = new() { [1] = new(), [2] = new(), [3] = new() };

    public MultiCopysetHarness(TimeSpan? resolveTimeout = null)
    {
        Assert.True(Copysets[1].Apply(new InitFsCommand { FsId = Fs, RootMode = FileModes.Directory | 0x1FF, Partition = Partition(1) }).Result.Ok);
        Assert.True(Copysets[2].Apply(new CreatePartitionCommand { FsId = Fs, Partition = Partition(2) }).Result.Ok);
        Assert.True(Copysets[3].Apply(new CreatePartitionCommand { FsId = Fs, Partition = Partition(3) }).Result.Ok);
        Coordinator = new TxCoordinator(this, NullLogger.Instance) { ResolveTimeout = resolveTimeout ?? TimeSpan.FromMilliseconds(200) };
        Operations = new CrossCopysetOperations(Fs, this, this, Coordinator, NullLogger.Instance);
    }

    private static PartitionRecord Partition(uint id) => new() { PartitionId = id, Start = (id - 1) * PartitionSize + 1, End = id * PartitionSize, ChunkSize = 1 << 20, BlockSize = 1 << 16 };

    public TxCoordinator Coordinator { get; private set; }
    public CrossCopysetOperations Operations { get; private set; }

    /// <summary>Operations whose coordinator "crashes" at the named step (the hook throws there).</summary>
    public CrossCopysetOperations CrashingAt(string step)
    {
        var coordinator = new TxCoordinator(this, NullLogger.Instance)
        {
            ResolveTimeout = Coordinator.ResolveTimeout,
            StepHook = s => { if (s == step) throw new CoordinatorCrash(); },
        };
        return new CrossCopysetOperations(Fs, this, this, coordinator, NullLogger.Instance);
    }

    public sealed class CoordinatorCrash : Exception;

    public uint CopysetOf(ulong ino) => (uint)((ino - 1) / PartitionSize) + 1;

    public ValueTask<MetaResult> ExecuteAsync(uint copysetId, MetaCommand command, CancellationToken cancellationToken = default)
    {
        command.FsId = Fs;
        if (command.NowNs == 0) command.NowNs = Clock.NowNs();
        lock (Copysets[copysetId]) return ValueTask.FromResult(Copysets[copysetId].Apply(command).Result);
    }

    public ValueTask<QueryResult> QueryAsync(uint copysetId, MetaQuery query, CancellationToken cancellationToken = default)
    {
        query.FsId = Fs;
        lock (Copysets[copysetId]) return ValueTask.FromResult(QueryExecutor.Run(Copysets[copysetId].Store, query));
    }

    public static byte[] N(string name) => Encoding.UTF8.GetBytes(name);

    public InodeRecord Attr(ulong ino)
    {
        var result = QueryAsync(CopysetOf(ino), new GetAttrQuery { Ino = ino }).Result;
        Assert.True(result.Ok, $"getattr {ino}: {result.Error}");
        return result.Inode!;
    }

    public ulong? Child(ulong parent, string name)
    {
        var result = QueryAsync(CopysetOf(parent), new DentryQuery { Parent = parent, Name = N(name) }).Result;
        return result.Ok ? result.Dentry!.Value.Ino : null;
    }

    /// <summary>Every dentry of every copyset: (parent, name, child).</summary>
    public List<(ulong Parent, string Name, ulong Child)> AllDentries()
    {
        var list = new List<(ulong, string, ulong)>();
        foreach (var state in Copysets.Values)
        foreach (var pair in state.Store.Scan("3:"u8.ToArray(), "4:"u8.ToArray()))
        {
            var key = pair.Key;
            var parent = MetaKeys.NumberAt(key, MetaKeys.FirstU64Offset);
            var name = Encoding.UTF8.GetString(key.AsSpan(MetaKeys.SecondU64Offset));
            list.Add((parent, name, MetaCodec.Decode<DentryValue>(pair.Value).Ino));
        }
        return list;
    }

    /// <summary>fsck over the three copysets (read-only: transactions left behind are reported, not resolved).</summary>
    public List<string> Check() =>
        new CurveFs.Mount.Admin.Fsck(Fs, this, this, Coordinator).RunAsync([1, 2, 3], resolveTransactions: false).GetAwaiter().GetResult()
            .Problems.Select(p => p.ToString()).ToList();
}
