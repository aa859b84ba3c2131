using CurveFs.Common.Meta;
using MessagePack;

namespace CurveFs.Common.Rpc;

/// <summary>The routing part every copyset reply shares, so one client loop (<see cref="LeaderInvoker"/>) handles both kinds.</summary>
public interface ICopysetReply : IRoutedReply
{
    RpcStatus Status { get; }
    /// <summary>With <see cref="RpcStatus.NotLeader"/>: the RPC endpoint ("host:port") of the leader the replica knows, if any.</summary>
    new string? LeaderEndpoint { get; }
    /// <summary>Why the request was not served (Unavailable, BadRequest, Internal).</summary>
    new string? Message { get; }

    ReplyRouting IRoutedReply.Routing => Status switch
    {
        RpcStatus.Ok => ReplyRouting.Answered,
        RpcStatus.NotLeader => ReplyRouting.NotLeader,
        RpcStatus.Unavailable or RpcStatus.NoSuchCopyset => ReplyRouting.TryElsewhere,
        _ => ReplyRouting.Failed,
    };
    string? IRoutedReply.LeaderEndpoint => LeaderEndpoint;
    string? IRoutedReply.Message => Message;
    string IRoutedReply.StatusName => Status.ToString();
}

/// <summary>Applies a numbered command in a copyset (see <see cref="CommandEnvelope"/> for deduplication).</summary>
[MessagePackObject]
public sealed class ExecuteRequest
{
    [Key(0)] public uint CopysetId { get; set; }
    [Key(1)] public CommandEnvelope Envelope { get; set; } = null!;
}

[MessagePackObject]
public sealed class ExecuteReply : ICopysetReply
{
    [Key(0)] public RpcStatus Status { get; set; }
    /// <summary>Set when Status is Ok: the command's outcome, errno included.</summary>
    [Key(1)] public MetaResult? Result { get; set; }
    [Key(2)] public string? LeaderEndpoint { get; set; }
    [Key(3)] public string? Message { get; set; }
}

/// <summary>Runs a read-only query against the copyset's state (linearizable: sees every completed command).</summary>
[MessagePackObject]
public sealed class QueryRequest
{
    [Key(0)] public uint CopysetId { get; set; }
    [Key(1)] public MetaQuery Query { get; set; } = null!;
}

[MessagePackObject]
public sealed class QueryReply : ICopysetReply
{
    [Key(0)] public RpcStatus Status { get; set; }
    /// <summary>Set when Status is Ok: the query's answer, errno included.</summary>
    [Key(1)] public QueryResult? Result { get; set; }
    [Key(2)] public string? LeaderEndpoint { get; set; }
    [Key(3)] public string? Message { get; set; }
}

/// <summary>Asks a metaserver which copysets it hosts and what each replica is doing.</summary>
[MessagePackObject]
public sealed class StatusRequest
{
    /// <summary>Also compute each replica's digest of its applied state (a full scan: for tests and operators).</summary>
    [Key(0)] public bool IncludeDigests { get; set; }
}

[MessagePackObject]
public sealed class StatusReply
{
    [Key(0)] public uint NodeId { get; set; }
    [Key(1)] public List<CopysetStatus> Copysets { get; set; } = [];
    /// <summary>Copyset ID → digest of this replica's applied state, when asked for.</summary>
    [Key(2)] public Dictionary<uint, string>? Digests { get; set; }
}
