namespace CurveFs.Mount.Data;

/// <summary>
/// Names of data objects in the object store:
/// <c>{fsId}/{ino % 256 as two hex digits}/{fsId}_{ino}_{chunkId}_{blockIndex}_{compaction}</c>.
/// The two-hex-digit directory spreads one filesystem's keys over 256 prefixes (S3 partitions by
/// prefix); all blocks of one inode share a prefix, so listing one inode's objects is cheap.
/// blockIndex counts blocks of the data uploaded under chunkId: block i holds bytes
/// [i * blockSize, (i + 1) * blockSize) of that data.
/// </summary>
public static class ObjectKeyLayout
{
    public static string BlockKey(uint fsId, ulong ino, ulong chunkId, long blockIndex, uint compaction = 0) =>
        $"{fsId}/{ino % 256:x2}/{fsId}_{ino}_{chunkId}_{blockIndex}_{compaction}";

    /// <summary>The prefix of every object of a filesystem.</summary>
    public static string FsPrefix(uint fsId) => $"{fsId}/";

    /// <summary>Parses a block key back into its parts; false for keys that are not block keys.</summary>
    public static bool TryParse(string key, out uint fsId, out ulong ino, out ulong chunkId, out long blockIndex, out uint compaction)
    {
        fsId = 0; ino = 0; chunkId = 0; blockIndex = 0; compaction = 0;
        var slash = key.LastIndexOf('/');
        var parts = key[(slash + 1)..].Split('_');
        return parts.Length == 5
            && uint.TryParse(parts[0], out fsId) && ulong.TryParse(parts[1], out ino)
            && ulong.TryParse(parts[2], out chunkId) && long.TryParse(parts[3], out blockIndex)
            && uint.TryParse(parts[4], out compaction)
            && key == BlockKey(fsId, ino, chunkId, blockIndex, compaction);
    }

    /// <summary>How many blocks data of the given size occupies.</summary>
    public static long BlockCount(long dataSize, uint blockSize) => (dataSize + blockSize - 1) / blockSize;
}
