using System.Net;
using CurveFs.Common.Hosting;

namespace CurveFs.MetaServer.Hosting;

/// <summary>One member of a copyset: its node, Raft endpoint and RPC endpoint.</summary>
public sealed record PeerConfig(int NodeId, string RaftEndpoint, string RpcEndpoint);

/// <summary>A copyset this node hosts and who else replicates it (this node included).</summary>
public sealed record CopysetConfig(uint CopysetId, List<PeerConfig> Peers);

/// <summary>
/// The configuration of a <c>curvefs-metaserver run</c> process (JSON, see docs/metaserver.md):
/// <code>
/// {
///   "nodeId": 1,
///   "rpcEndpoint": "127.0.0.1:6701",
///   "dataDir": "/var/lib/curvefs/ms1",
///   "copysets": [ { "copysetId": 1, "peers": [
///       { "nodeId": 1, "raftEndpoint": "127.0.0.1:6801", "rpcEndpoint": "127.0.0.1:6701" }, ... ] } ],
///   "snapshotEveryEntries": 10000,
///   "electionTimeoutMs": [ 1000, 2000 ],
///   "name": "ms1",
///   "mdsEndpoints": [ "10.0.0.1:6600", "10.0.0.2:6600" ],
///   "mdsHeartbeatMs": 2000
/// }
/// </code>
/// <c>name</c>, <c>mdsEndpoints</c> and <c>mdsHeartbeatMs</c> are optional: without MDS endpoints the metaserver
/// does not register anywhere (a cluster without MDS).
/// </summary>
public sealed record MetaServerConfig
{
    public int NodeId { get; init; }
    public string RpcEndpoint { get; init; } = "";
    public string DataDir { get; init; } = "";
    public List<CopysetConfig> Copysets { get; init; } = [];
    public long SnapshotEveryEntries { get; init; } = 10_000;
    public int[] ElectionTimeoutMs { get; init; } = [1000, 2000];

    /// <summary>How the MDS knows this metaserver (unique in the cluster); empty: "metaserver-{nodeId}".</summary>
    public string Name { get; init; } = "";

    /// <summary>The MDS RPC addresses; when set, the metaserver registers its copysets there and heartbeats.</summary>
    public List<string> MdsEndpoints { get; init; } = [];

    /// <summary>How often the metaserver registers again (its heartbeat to the MDS).</summary>
    public int MdsHeartbeatMs { get; init; } = 2000;

    /// <summary>The name the MDS knows this metaserver by.</summary>
    public string EffectiveName => string.IsNullOrEmpty(Name) ? $"metaserver-{NodeId}" : Name;

    /// <summary>The RPC address clients reach this metaserver at: its own entry in the copysets' peer lists
    /// (what the MDS hands clients), else <see cref="RpcEndpoint"/>.</summary>
    public string AdvertisedRpcEndpoint =>
        Copysets.SelectMany(c => c.Peers).FirstOrDefault(p => p.NodeId == NodeId)?.RpcEndpoint ?? RpcEndpoint;

    public static MetaServerConfig Load(string path) => ServerProcess.LoadConfig<MetaServerConfig>(path, c => c.Validate(path));

    public void Save(string path) => ServerProcess.SaveConfig(this, path);

    /// <summary>Throws <see cref="InvalidDataException"/> naming the field and the reason.</summary>
    public void Validate(string path = "metaserver configuration")
    {
        void Fail(string what) => throw new InvalidDataException($"config {path}: {what}");
        if (NodeId <= 0) Fail("nodeId must be a positive number");
        if (!IPEndPoint.TryParse(RpcEndpoint, out _)) Fail($"rpcEndpoint '{RpcEndpoint}' is not HOST:PORT (an IP address and a port)");
        if (string.IsNullOrWhiteSpace(DataDir)) Fail("dataDir is missing");
        if (Copysets.Count == 0) Fail("no copysets: list at least one with its peers");
        if (SnapshotEveryEntries < 10) Fail("snapshotEveryEntries must be at least 10");
        if (ElectionTimeoutMs is not [var low, var high] || low < 50 || high <= low) Fail("electionTimeoutMs must be [low, high] with 50 <= low < high");
        foreach (var copyset in Copysets)
        {
            if (copyset.Peers.Count == 0) Fail($"copyset {copyset.CopysetId} has no peers");
            if (copyset.Peers.All(p => p.NodeId != NodeId)) Fail($"copyset {copyset.CopysetId} does not list this node ({NodeId}) among its peers");
            if (copyset.Peers.Select(p => p.NodeId).Distinct().Count() != copyset.Peers.Count) Fail($"copyset {copyset.CopysetId} lists a node twice");
            foreach (var peer in copyset.Peers)
            {
                if (!IPEndPoint.TryParse(peer.RaftEndpoint, out _)) Fail($"copyset {copyset.CopysetId}: raftEndpoint '{peer.RaftEndpoint}' is not HOST:PORT");
                if (!IPEndPoint.TryParse(peer.RpcEndpoint, out _)) Fail($"copyset {copyset.CopysetId}: rpcEndpoint '{peer.RpcEndpoint}' is not HOST:PORT");
            }
        }
        if (Copysets.Select(c => c.CopysetId).Distinct().Count() != Copysets.Count) Fail("a copyset is listed twice");
        if (Copysets.Any(c => c.CopysetId == 0)) Fail("copyset IDs start at 1");
        if (Name.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(Name, "^[A-Za-z0-9._-]{1,128}$"))
            Fail($"name '{Name}' must be 1-128 characters of letters, digits, '.', '_' and '-'");
        foreach (var endpoint in MdsEndpoints)
        {
            try
            {
                Common.Rpc.GrpcClient.ToAddress(endpoint, "MDS");
            }
            catch (ArgumentException)
            {
                Fail($"mdsEndpoints: '{endpoint}' is not HOST:PORT");
            }
        }
        if (MdsHeartbeatMs is < 100 or > 60_000) Fail("mdsHeartbeatMs must be between 100 and 60000");
    }
}
