using MessagePack;

namespace CurveFs.Common.Meta;

/// <summary>A filesystem's fixed settings, as the MDS hands them to a client at mount time.</summary>
/// <param name="Uuid">Made once when the filesystem is created (<see cref="NewUuid"/>), never reused: unlike
/// the name and the fs ID, it changes when a filesystem is deleted and created again, so whatever a client
/// keeps across mounts (the disk cache) can tell the two apart. Empty for filesystems created before it existed.</param>
[MessagePackObject]
public sealed record FsInfo(
    [property: Key(0)] uint FsId,
    [property: Key(1)] string Name,
    [property: Key(2)] uint ChunkSize,
    [property: Key(3)] uint BlockSize,
    [property: Key(4)] ulong CapacityBytes,
    string Uuid = "")
{
    public const uint DefaultChunkSize = 64 << 20;
    public const uint DefaultBlockSize = 4 << 20;
    /// <summary>Capacity statfs reports when the filesystem has no quota: 1 PiB.</summary>
    public const ulong DefaultCapacity = 1UL << 50;

    /// <summary>Records written before the member existed decode it as null (MessagePack) or leave it out
    /// (JSON); both read as "".</summary>
    [Key(5)] public string Uuid { get; init; } = Uuid ?? "";

    /// <summary>A new filesystem's UUID: 32 lowercase hex digits (safe as a file name).</summary>
    public static string NewUuid() => Guid.NewGuid().ToString("N");
}
