using CurveFs.Common.Meta;
using MessagePack;

namespace CurveFs.Common.Rpc;

/// <summary>
/// How the MDS answered. Values are part of the wire format: never renumber one. The routing values share
/// their numbers with <see cref="RpcStatus"/>.
/// </summary>
public enum MdsStatus
{
    Ok = 0,
    /// <summary>This MDS is a standby; LeaderEndpoint names the leader's RPC address when it knows one. Retry there.</summary>
    NotLeader = 1,
    /// <summary>The MDS cannot serve now (etcd unreachable, no leader elected); Message says why. Retry elsewhere or later.</summary>
    Unavailable = 2,
    /// <summary>The request is invalid (bad name, sizes, S3 settings, count); Message says what. Retrying does not help.</summary>
    BadRequest = 4,
    /// <summary>The MDS failed unexpectedly (logged there). Retrying does not help.</summary>
    Internal = 5,
    /// <summary>No such filesystem.</summary>
    NotFound = 6,
    /// <summary>A filesystem with this name exists (the reply carries it).</summary>
    AlreadyExists = 7,
}

/// <summary>The routing part every MDS reply shares, so the shared <see cref="LeaderInvoker"/> handles them.</summary>
public abstract class MdsReply : IRoutedReply
{
    [Key(0)] public MdsStatus Status { get; set; }
    /// <summary>With <see cref="MdsStatus.NotLeader"/>: the leader's RPC endpoint ("host:port"), if known.</summary>
    [Key(1)] public string? LeaderEndpoint { get; set; }
    /// <summary>Why the request was not served, or what was wrong with it.</summary>
    [Key(2)] public string? Message { get; set; }

    [IgnoreMember]
    public ReplyRouting Routing => Status switch
    {
        MdsStatus.Ok or MdsStatus.NotFound or MdsStatus.AlreadyExists => ReplyRouting.Answered,
        MdsStatus.NotLeader => ReplyRouting.NotLeader,
        MdsStatus.Unavailable => ReplyRouting.TryElsewhere,
        _ => ReplyRouting.Failed,
    };

    [IgnoreMember]
    public string StatusName => Status.ToString();
}

[MessagePackObject]
public sealed class CreateFsRequest
{
    /// <summary>1-128 characters: letters, digits, '.', '_', '-'.</summary>
    [Key(0)] public string Name { get; set; } = "";
    [Key(1)] public uint ChunkSize { get; set; } = FsInfo.DefaultChunkSize;
    [Key(2)] public uint BlockSize { get; set; } = FsInfo.DefaultBlockSize;
    /// <summary>Capacity statfs reports; 0 for the default (1 PiB).</summary>
    [Key(3)] public ulong CapacityBytes { get; set; }
    [Key(4)] public FsS3Settings S3 { get; set; } = new();
    /// <summary>Inode IDs per partition; 0 for the default (2^20).</summary>
    [Key(5)] public ulong PartitionSize { get; set; }
    /// <summary>Owner of the root directory (the user running create-fs).</summary>
    [Key(6)] public uint RootUid { get; set; }
    [Key(7)] public uint RootGid { get; set; }
    /// <summary>st_mode of the root directory (permission bits are used); 0 for the default 0755.</summary>
    [Key(8)] public uint RootMode { get; set; }
}

/// <summary>By name, or by ID when Name is null or empty.</summary>
[MessagePackObject]
public sealed class GetFsRequest
{
    [Key(0)] public string? Name { get; set; }
    [Key(1)] public uint FsId { get; set; }
}

[MessagePackObject]
public sealed class DeleteFsRequest
{
    [Key(0)] public string Name { get; set; } = "";
}

/// <summary>Answers CreateFs (the new record, or the existing one with AlreadyExists), GetFs and DeleteFs (the deleted record).</summary>
[MessagePackObject]
public sealed class FsReply : MdsReply
{
    [Key(3)] public FsRecord? Fs { get; set; }
}

[MessagePackObject]
public sealed class ListFsRequest
{
}

[MessagePackObject]
public sealed class ListFsReply : MdsReply
{
    /// <summary>Every filesystem by ID, secret keys masked.</summary>
    [Key(3)] public List<FsRecord> Filesystems { get; set; } = [];
}

[MessagePackObject]
public sealed class AllocateChunkIdsRequest
{
    /// <summary>1 to <see cref="MaxCount"/> IDs.</summary>
    [Key(0)] public ulong Count { get; set; }

    public const ulong MaxCount = 1UL << 24;
}

[MessagePackObject]
public sealed class AllocateChunkIdsReply : MdsReply
{
    /// <summary>The range [Start, Start + Count) is the caller's.</summary>
    [Key(3)] public ulong Start { get; set; }
    [Key(4)] public ulong Count { get; set; }
}

[MessagePackObject]
public sealed class MdsStatusRequest
{
}

public enum MdsRole
{
    Standby = 0,
    Leader = 1,
}

[MessagePackObject]
public sealed class MdsStatusReply : MdsReply
{
    [Key(3)] public string NodeName { get; set; } = "";
    [Key(4)] public MdsRole Role { get; set; }
    /// <summary>The RPC endpoint this MDS advertises.</summary>
    [Key(5)] public string RpcEndpoint { get; set; } = "";
    /// <summary>The leader this MDS knows (itself when it leads), if any.</summary>
    [Key(6)] public string? LeaderName { get; set; }
    /// <summary>Null when the last etcd operation succeeded; else what failed.</summary>
    [Key(7)] public string? EtcdError { get; set; }
}
