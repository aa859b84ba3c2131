using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

// Compaction: a compare-and-swap of a chunk's old slices for one rewritten slice (docs/data-layout.md).
public sealed partial class MetaStateMachine
{
    private static MetaResult CompactSlices(IKvTransaction kv, CompactSlicesCommand c)
    {
        var inode = MetaStore.LoadInode(kv, c.FsId, c.Ino);
        if (inode is null) return MetaResult.Fail(Errno.ENOENT);
        if (!inode.IsRegular || c.ReplacedSeqs.Count == 0) return MetaResult.Fail(Errno.EINVAL);
        var topSeq = c.ReplacedSeqs[^1];
        var current = MetaStore.LoadChunkSlices(kv, c.FsId, c.Ino, c.ChunkIndex);
        var replaced = current.TakeWhile(s => s.Seq <= topSeq).ToList();
        // Anything else than exactly what the compactor read: a truncate, punch hole or another compaction
        // changed the chunk below the top seq meanwhile, and the rewritten bytes may be wrong.
        if (!replaced.Select(s => s.Seq).SequenceEqual(c.ReplacedSeqs)) return MetaResult.Fail(Errno.ESTALE);

        // The new slice must span exactly what the replaced ones spanned (a hole inside stays zeros in its data).
        var slice = c.Slice;
        var from = replaced.Min(s => s.Slice.Pos);
        var to = replaced.Max(s => s.Slice.End);
        if (slice.Pos != from || slice.End != to || (!slice.IsZero && (ulong)slice.DataOffset + slice.Length > slice.DataSize))
            return MetaResult.Fail(Errno.EINVAL);

        foreach (var old in replaced) kv.Delete(MetaKeys.SliceKey(c.FsId, c.Ino, c.ChunkIndex, old.Seq));
        kv.Put(MetaKeys.SliceKey(c.FsId, c.Ino, c.ChunkIndex, topSeq), MetaCodec.Encode(slice));

        // Chunk IDs are per chunk and a commit is atomic, so newer slices never share one with the replaced
        // slices; checking costs little and keeps a shared object from being deleted under a live slice.
        var stillUsed = current.Skip(replaced.Count).Select(s => (s.Slice.ChunkId, s.Slice.Compaction)).ToHashSet();
        var trashed = replaced.Select(s => s.Slice).Where(s => !s.IsZero && !stillUsed.Contains((s.ChunkId, s.Compaction))).ToList();
        if (trashed.Count > 0)
        {
            // The trash key takes a seq from the inode's counter (never a slice's); length and times stay.
            kv.Put(MetaKeys.TrashKey(c.FsId, c.Ino, inode.NextSliceSeq++), MetaCodec.Encode(new TrashRecord(c.Ino, trashed)));
            MetaStore.StoreInode(kv, inode);
        }
        return MetaResult.Of(inode);
    }
}
