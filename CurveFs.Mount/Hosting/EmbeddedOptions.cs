using CurveFs.Common.Meta;
using CurveFs.Mount.Data;
using CurveFs.Mount.Vfs;

namespace CurveFs.Mount.Hosting;

/// <summary>Everything an embedded filesystem needs to start.</summary>
public sealed record EmbeddedOptions(string DataDir)
{
    /// <summary>Filesystem name, used only when the data directory is new.</summary>
    public string Name { get; init; } = "curvefs";
    public uint ChunkSize { get; init; } = FsInfo.DefaultChunkSize;
    public uint BlockSize { get; init; } = FsInfo.DefaultBlockSize;
    public ulong CapacityBytes { get; init; } = FsInfo.DefaultCapacity;
    /// <summary>Owner and mode of the root directory of a new filesystem.</summary>
    public uint RootUid { get; init; }
    public uint RootGid { get; init; }
    public uint RootMode { get; init; } = FileModes.Directory | 0x1ED;
    public long SnapshotThresholdBytes { get; init; } = 64L << 20;
    public DataClientOptions Data { get; init; } = new();
    public VfsOptions Vfs { get; init; } = new();
    /// <summary>How long to wait for a previous process to release the data directory.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(30);
}
