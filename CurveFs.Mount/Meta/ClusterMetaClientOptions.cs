using CurveFs.Common.Rpc;

namespace CurveFs.Mount.Meta;

/// <summary>How a <see cref="ClusterMetaClient"/> reaches the metaservers and how long it keeps trying.</summary>
public sealed record ClusterMetaClientOptions
{
    /// <summary>RPC endpoints ("host:port") of the metaservers; any of them will do, the client finds the leader.</summary>
    public required IReadOnlyList<string> Endpoints { get; init; }

    /// <summary>The copyset that holds the filesystem (every partition lives in it for now).</summary>
    public uint CopysetId { get; init; } = 1;

    /// <summary>Deadline of one RPC attempt (also the TCP connect timeout).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one operation keeps retrying (not leader, unavailable, unreachable, deadline)
    /// before it fails with EIO.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First pause between retries; it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Inode IDs per partition this client creates (the first one, and new ones when all are full).</summary>
    public ulong PartitionSize { get; init; } = EmbeddedMetaClient.DefaultPartitionSize;

    /// <summary>The endpoints and timing as the shared retry loop takes them.</summary>
    public RetryOptions ToRetryOptions() => new()
    {
        Endpoints = Endpoints,
        CallTimeout = CallTimeout,
        RetryBudget = RetryBudget,
        InitialBackoff = InitialBackoff,
        MaxBackoff = MaxBackoff,
    };

    /// <summary>Throws when a setting cannot work, with a message saying which and why.</summary>
    public void Validate()
    {
        if (Endpoints is null || Endpoints.Count == 0)
            throw new ArgumentException("no metaserver endpoints given: list at least one RPC address (host:port)");
        foreach (var endpoint in Endpoints) MetaRpcClient.ToAddress(endpoint);
        if (CallTimeout <= TimeSpan.Zero) throw new ArgumentException($"CallTimeout must be positive, not {CallTimeout}");
        if (RetryBudget <= TimeSpan.Zero) throw new ArgumentException($"RetryBudget must be positive, not {RetryBudget}");
        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
            throw new ArgumentException($"backoff must grow from a positive InitialBackoff ({InitialBackoff}) to MaxBackoff ({MaxBackoff})");
        if (PartitionSize < 2) throw new ArgumentException($"PartitionSize must be at least 2, not {PartitionSize}");
    }
}
