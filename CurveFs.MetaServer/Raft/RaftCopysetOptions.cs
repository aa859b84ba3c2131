using System.Net;
using System.Net.Sockets;

namespace CurveFs.MetaServer.Raft;

/// <summary>One replica of a copyset, as every member knows it.</summary>
/// <param name="NodeId">The metaserver's name (logs, status).</param>
/// <param name="RaftEndpoint">"ip:port" (or "host:port", resolved once at start) of this replica's Raft TCP
/// listener. Every copyset replica has its own Raft port: one DotNext RaftCluster per copyset.</param>
/// <param name="RpcEndpoint">What clients dial (the metaserver's gRPC address); reported by
/// <see cref="Hosting.NotLeaderException"/> and <see cref="Common.Meta.CopysetStatus.LeaderEndpoint"/>.</param>
public sealed record RaftPeer(string NodeId, string RaftEndpoint, string RpcEndpoint);

/// <summary>Settings of one replica of a Raft copyset (see docs/raft.md).</summary>
public sealed record RaftCopysetOptions
{
    public required uint CopysetId { get; init; }

    /// <summary>This replica's <see cref="RaftPeer.NodeId"/>; it must be one of <see cref="Peers"/>.</summary>
    public required string NodeId { get; init; }

    /// <summary>Every member of the copyset, this node included (the same list on every member).</summary>
    public required IReadOnlyList<RaftPeer> Peers { get; init; }

    /// <summary>This replica's own directory: <c>snapshots/</c> (CURVEFS snapshot files) and <c>wal/</c>
    /// (DotNext's write-ahead log). Nothing else may live there.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Take a snapshot and compact the log once this many entries were applied since the last one.</summary>
    public long SnapshotThreshold { get; init; } = 100_000;

    /// <summary>Election timeouts are drawn from [lower, upper]. Keep them well above the worst scheduling
    /// delay of the machine: 150-300 ms causes spurious elections on a loaded 2-core host.</summary>
    public TimeSpan ElectionTimeoutLower { get; init; } = TimeSpan.FromMilliseconds(1000);

    public TimeSpan ElectionTimeoutUpper { get; init; } = TimeSpan.FromMilliseconds(2000);

    /// <summary>How long a command or read may wait for the quorum before it fails with a <see cref="TimeoutException"/>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one Raft request to a peer may take (null: the upper election timeout). It bounds a
    /// whole snapshot installation too (the transfer and the follower loading it), so a copyset whose
    /// snapshot takes longer than this to ship and load needs a larger value. Keep it short otherwise: it is
    /// also how fast a stuck peer connection is dropped and reopened (see docs/raft.md, DotNext quirks).</summary>
    public TimeSpan? PeerRequestTimeout { get; init; }

    internal TimeSpan EffectivePeerRequestTimeout => PeerRequestTimeout ?? ElectionTimeoutUpper;

    internal RaftPeer Self =>
        Peers.FirstOrDefault(p => p.NodeId == NodeId)
        ?? throw new ArgumentException($"copyset {CopysetId}: node '{NodeId}' is not in its peer list ({string.Join(", ", Peers.Select(p => p.NodeId))})");

    internal void Validate()
    {
        if (Peers.Count == 0) throw new ArgumentException($"copyset {CopysetId}: the peer list is empty");
        if (Peers.Select(p => p.NodeId).Distinct().Count() != Peers.Count)
            throw new ArgumentException($"copyset {CopysetId}: duplicate node IDs in the peer list");
        _ = Self;
        if (string.IsNullOrWhiteSpace(DataDirectory)) throw new ArgumentException($"copyset {CopysetId}: no data directory");
        if (SnapshotThreshold < 2) throw new ArgumentException($"copyset {CopysetId}: snapshot threshold {SnapshotThreshold} is below 2 entries");
        if (ElectionTimeoutLower <= TimeSpan.Zero || ElectionTimeoutUpper <= ElectionTimeoutLower)
            throw new ArgumentException($"copyset {CopysetId}: election timeout range [{ElectionTimeoutLower}, {ElectionTimeoutUpper}] is empty");
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentException($"copyset {CopysetId}: request timeout must be positive");
        if (EffectivePeerRequestTimeout < ElectionTimeoutLower)
            throw new ArgumentException($"copyset {CopysetId}: peer request timeout {PeerRequestTimeout} is below the election timeout {ElectionTimeoutLower}");
    }

    /// <summary>Parses "ip:port", "[v6]:port" or "host:port" (the host is resolved now, IPv4 preferred).</summary>
    internal static IPEndPoint ParseEndpoint(string endpoint)
    {
        if (IPEndPoint.TryParse(endpoint, out var ip) && ip.Port != 0) return ip;
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), out var port) || port is <= 0 or > 65535)
            throw new ArgumentException($"Raft endpoint '{endpoint}' is not host:port");
        var addresses = Dns.GetHostAddresses(endpoint[..colon]);
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new ArgumentException($"Raft endpoint '{endpoint}': host does not resolve");
        return new IPEndPoint(address, port);
    }
}
