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

    /// <summary>What fsck checks: no locks or pending transactions, every dentry's inode exists, and every
    /// inode's link count equals its dentries (directories: 2 + subdirectories). Returns the problems.</summary>
    public List<string> Check()
    {
        var problems = new List<string>();
        var dentries = AllDentries();
        var inodes = new Dictionary<ulong, InodeRecord>();
        foreach (var (id, state) in Copysets)
        {
            if (state.Store.Scan("L:"u8.ToArray(), "L;"u8.ToArray()).Count > 0) problems.Add($"copyset {id} still holds locks");
            foreach (var pair in state.Store.Scan("X:"u8.ToArray(), "X;"u8.ToArray()))
                if (MetaCodec.Decode<TxRecord>(pair.Value).State == TxState.Prepared) problems.Add($"copyset {id} has a prepared transaction");
            foreach (var pair in state.Store.Scan("1:"u8.ToArray(), "2:"u8.ToArray()))
            {
                var inode = MetaCodec.Decode<InodeRecord>(pair.Value);
                if (CopysetOf(inode.Ino) != id) problems.Add($"inode {inode.Ino} lives in copyset {id}, not its partition's");
                inodes[inode.Ino] = inode;
            }
        }
        foreach (var (parent, name, child) in dentries)
            if (!inodes.ContainsKey(child)) problems.Add($"dentry {parent}/{name} leads to missing inode {child}");
        foreach (var inode in inodes.Values)
        {
            var links = dentries.Count(d => d.Child == inode.Ino);
            uint expected = inode.IsDirectory
                ? (uint)(inode.Ino == Limits.RootInode || links > 0 ? 2 + dentries.Count(d => d.Parent == inode.Ino && inodes.TryGetValue(d.Child, out var c) && c.IsDirectory) : 0)
                : (uint)links;
            if (inode.Ino != Limits.RootInode && links > 1 && inode.IsDirectory) problems.Add($"directory {inode.Ino} has {links} names");
            if (inode.Nlink != expected) problems.Add($"inode {inode.Ino} nlink {inode.Nlink}, dentries say {expected}");
            if (inode.Nlink == 0 && Copysets[CopysetOf(inode.Ino)].Store.Get(MetaKeys.OrphanKey(Fs, inode.Ino)) is null) problems.Add($"inode {inode.Ino} has no links and no orphan marker");
        }
        return problems;
    }
}
