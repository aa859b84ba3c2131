using System.Text;
using CurveFs.Common.Meta;
using CurveFs.Mount.Meta.Transactions;

namespace CurveFs.Mount.Admin;

/// <summary>Something fsck found wrong: a kind (stable, for scripts) and the details.</summary>
public sealed record FsckProblem(string Kind, string Detail)
{
    public override string ToString() => $"{Kind}: {Detail}";
}

/// <summary>What fsck saw and found.</summary>
public sealed record FsckReport(int Copysets, long Inodes, long Dentries, int ResolvedTransactions, IReadOnlyList<FsckProblem> Problems)
{
    public bool Clean => Problems.Count == 0;
    /// <summary>Data slice records, and the distinct chunk IDs they name (zero slices aside).</summary>
    public long Slices { get; init; }
    public int ChunkIds { get; init; }
}

/// <summary>
/// Checks a filesystem's metadata across all its copysets: transactions left behind (resolved through
/// their primary first, when asked to), dentries naming missing inodes, inodes in the wrong copyset, link
/// counts that disagree with the dentries (directories: 2 + subdirectories), directories with more than
/// one name, inodes without links that are not orphans, orphan markers on linked inodes. It reads each
/// copyset page by page (ScanQuery) and changes nothing except resolving transactions.
/// </summary>
public sealed class Fsck(uint fsId, ICopysetAccess copysets, IInodeLocator locator, TxCoordinator coordinator)
{
    public async Task<FsckReport> RunAsync(IReadOnlyList<uint> copysetIds, bool resolveTransactions, CancellationToken cancellationToken = default)
    {
        var problems = new List<FsckProblem>();
        var resolved = new HashSet<ulong>();
        if (resolveTransactions)
        {
            foreach (var copyset in copysetIds)
            {
                // One resolution per transaction and copyset finishes or undoes all its locks there.
                var held = (await ScanAsync(copyset, MetaKeys.LockPrefix(), cancellationToken).ConfigureAwait(false))
                    .Select(p => MetaCodec.Decode<TxLock>(p.Value)).DistinctBy(l => l.TxId);
                foreach (var lockInfo in held)
                    if (await coordinator.ResolveAsync(fsId, lockInfo, copyset, cancellationToken).ConfigureAwait(false)) resolved.Add(lockInfo.TxId);
            }
        }
        var inodes = new Dictionary<ulong, InodeRecord>();
        var dentries = new List<(ulong Parent, string Name, ulong Child)>();
        var orphans = new HashSet<ulong>();
        var chunkOwners = new Dictionary<ulong, ulong>(); // chunk ID -> the inode whose slices use it
        long slices = 0;
        foreach (var copyset in copysetIds)
        {
            foreach (var pair in await ScanAsync(copyset, MetaKeys.LockPrefix(), cancellationToken).ConfigureAwait(false))
                problems.Add(new("locked", $"copyset {copyset}: key {Printable(pair.Key.AsSpan(2))} locked by transaction {MetaCodec.Decode<TxLock>(pair.Value).TxId}"));
            foreach (var pair in await ScanAsync(copyset, MetaKeys.TxPrefix(), cancellationToken).ConfigureAwait(false))
            {
                var record = MetaCodec.Decode<TxRecord>(pair.Value);
                if (record.State == TxState.Prepared) problems.Add(new("prepared-transaction", $"copyset {copyset}: transaction {record.TxId} is still prepared"));
            }
            foreach (var pair in await ScanAsync(copyset, MetaKeys.KindPrefix(MetaKeys.Inode, fsId), cancellationToken).ConfigureAwait(false))
            {
                var inode = MetaCodec.Decode<InodeRecord>(pair.Value);
                var home = locator.CopysetOf(inode.Ino);
                if (home != copyset) problems.Add(new("misplaced-inode", $"inode {inode.Ino} is stored in copyset {copyset}, its partition is in copyset {home}"));
                inodes[inode.Ino] = inode;
            }
            foreach (var pair in await ScanAsync(copyset, MetaKeys.KindPrefix(MetaKeys.Dentry, fsId), cancellationToken).ConfigureAwait(false))
            {
                var parent = MetaKeys.NumberAt(pair.Key, MetaKeys.FirstU64Offset);
                var name = Encoding.UTF8.GetString(pair.Key.AsSpan(MetaKeys.SecondU64Offset));
                dentries.Add((parent, name, MetaCodec.Decode<DentryValue>(pair.Value).Ino));
            }
            foreach (var pair in await ScanAsync(copyset, MetaKeys.KindPrefix(MetaKeys.Orphan, fsId), cancellationToken).ConfigureAwait(false))
                orphans.Add(MetaKeys.LastNumber(pair.Key));
            foreach (var pair in await ScanAsync(copyset, MetaKeys.KindPrefix(MetaKeys.Slice, fsId), cancellationToken).ConfigureAwait(false))
            {
                slices++;
                var slice = MetaCodec.Decode<SliceRecord>(pair.Value);
                if (slice.IsZero) continue;
                var ino = MetaKeys.NumberAt(pair.Key, MetaKeys.FirstU64Offset);
                // A chunk ID is handed out once: two files naming it would read (and delete) each other's objects.
                if (chunkOwners.TryGetValue(slice.ChunkId, out var owner) && owner != ino)
                    problems.Add(new("shared-chunk-id", $"chunk ID {slice.ChunkId} is used by inodes {owner} and {ino}"));
                else chunkOwners[slice.ChunkId] = ino;
            }
        }
        var links = dentries.GroupBy(d => d.Child).ToDictionary(g => g.Key, g => g.Count());
        var subdirs = dentries.Where(d => inodes.TryGetValue(d.Child, out var c) && c.IsDirectory).GroupBy(d => d.Parent).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (parent, name, child) in dentries)
        {
            if (!inodes.ContainsKey(child)) problems.Add(new("missing-inode", $"{parent}/{name} names inode {child}, which does not exist"));
            if (!inodes.ContainsKey(parent)) problems.Add(new("missing-parent", $"entry {name} lives in directory {parent}, which does not exist"));
        }
        foreach (var inode in inodes.Values)
        {
            var names = links.GetValueOrDefault(inode.Ino);
            var isRoot = inode.Ino == Limits.RootInode;
            uint expected = inode.IsDirectory
                ? (isRoot || names > 0 ? 2u + (uint)subdirs.GetValueOrDefault(inode.Ino) : 0u)
                : (uint)names;
            if (inode.IsDirectory && names > 1) problems.Add(new("directory-hard-link", $"directory {inode.Ino} has {names} names"));
            if (inode.Nlink != expected) problems.Add(new("link-count", $"inode {inode.Ino} has nlink {inode.Nlink}, its entries say {expected}"));
            if (inode.Nlink == 0 && !orphans.Contains(inode.Ino)) problems.Add(new("lost-inode", $"inode {inode.Ino} has no links and is not an orphan (it can never be deleted)"));
            if (inode.Nlink > 0 && orphans.Contains(inode.Ino)) problems.Add(new("linked-orphan", $"inode {inode.Ino} has {inode.Nlink} links but an orphan marker"));
        }
        return new FsckReport(copysetIds.Count, inodes.Count, dentries.Count, resolved.Count, problems) { Slices = slices, ChunkIds = chunkOwners.Count };
    }

    private async Task<List<KvPair>> ScanAsync(uint copyset, byte[] prefix, CancellationToken cancellationToken)
    {
        var all = new List<KvPair>();
        try
        {
            await foreach (var pair in CopysetScan.ScanAsync(copysets, fsId, copyset, prefix, cancellationToken).ConfigureAwait(false)) all.Add(pair);
        }
        catch (IOException e)
        {
            throw new IOException($"fsck: {e.Message}", e);
        }
        return all;
    }

    private static string Printable(ReadOnlySpan<byte> key)
    {
        var text = new StringBuilder();
        foreach (var b in key) text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        return text.ToString();
    }
}
