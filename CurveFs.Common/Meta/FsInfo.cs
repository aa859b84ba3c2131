using MessagePack;

namespace CurveFs.Common.Meta;

/// <summary>A filesystem's fixed settings, as the MDS hands them to a client at mount time.</summary>
[MessagePackObject]
public sealed record FsInfo(
    [property: Key(0)] uint FsId,
    [property: Key(1)] string Name,
    [property: Key(2)] uint ChunkSize,
    [property: Key(3)] uint BlockSize,
    [property: Key(4)] ulong CapacityBytes)
{
    public const uint DefaultChunkSize = 64 << 20;
    public const uint DefaultBlockSize = 4 << 20;
    /// <summary>Capacity statfs reports when the filesystem has no quota: 1 PiB.</summary>
    public const ulong DefaultCapacity = 1UL << 50;
}
