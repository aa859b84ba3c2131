namespace CurveFs.Common.Rpc;

/// <summary>
/// How a metaserver handled an RPC: routing and health only. Filesystem errors (ENOENT, EEXIST ...)
/// travel inside the MetaResult or QueryResult of an <see cref="Ok"/> reply.
/// Values are part of the wire format: never renumber one.
/// </summary>
public enum RpcStatus
{
    /// <summary>The copyset ran the request; the reply carries its result.</summary>
    Ok = 0,
    /// <summary>This replica is not the leader; LeaderEndpoint names the one it believes leads, if any. Retry there.</summary>
    NotLeader = 1,
    /// <summary>The replica cannot serve now (no leader yet, failed log, damaged snapshot); Message says why. Retry elsewhere or later.</summary>
    Unavailable = 2,
    /// <summary>This server does not host the copyset. Retry another endpoint.</summary>
    NoSuchCopyset = 3,
    /// <summary>The request was malformed (missing command or query). Retrying does not help.</summary>
    BadRequest = 4,
    /// <summary>The server failed unexpectedly (logged there); Message says how. Retrying does not help.</summary>
    Internal = 5,
}
