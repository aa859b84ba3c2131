using MessagePack;

namespace CurveFs.Common.Meta;

/// <summary>
/// One flush of file data inside one chunk, stored under <c>2:{fsId}:{ino}:{chunkIndex}:{seq}</c>.
/// The slice covers chunk bytes [Pos, Pos + Length). Its bytes are the stored data of chunk ID
/// <see cref="ChunkId"/> starting at <see cref="DataOffset"/>; that data is cut into blocks of the
/// filesystem's block size (block i holds data bytes [i*blockSize, (i+1)*blockSize)).
/// ChunkId 0 is a zero slice: it stores nothing and reads as zeros (used by truncate and punch-hole
/// to shadow older data). For each byte, the slice with the highest seq wins.
/// </summary>
[MessagePackObject]
public sealed record SliceRecord(
    [property: Key(0)] ulong ChunkId,
    [property: Key(1)] uint Pos,
    [property: Key(2)] uint Length,
    [property: Key(3)] uint DataOffset,
    [property: Key(4)] uint DataSize,
    [property: Key(5)] uint Compaction = 0)
{
    [IgnoreMember] public bool IsZero => ChunkId == 0;
    [IgnoreMember] public uint End => Pos + Length;
}

/// <summary>A slice with the sequence number that orders it (higher = newer) and its chunk index.</summary>
[MessagePackObject]
public sealed record SequencedSlice(
    [property: Key(0)] ulong ChunkIndex,
    [property: Key(1)] ulong Seq,
    [property: Key(2)] SliceRecord Slice);

/// <summary>A slice to append, as a write commit sends it.</summary>
[MessagePackObject]
public sealed record NewSlice(
    [property: Key(0)] ulong ChunkIndex,
    [property: Key(1)] SliceRecord Slice);

/// <summary>
/// Objects no longer referenced by any inode, queued for deletion under
/// <c>6:{fsId}:{ino}:{seq}</c>. The background collector deletes the objects, then removes the key.
/// </summary>
[MessagePackObject]
public sealed record TrashRecord(
    [property: Key(0)] ulong Ino,
    [property: Key(1)] List<SliceRecord> Slices);
