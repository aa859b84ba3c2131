using System.Net;
using CurveFs.Common.Hosting;
using CurveFs.Mds.Etcd;

namespace CurveFs.Mds.Hosting;

/// <summary>
/// The configuration of a <c>curvefs-mds run</c> process (JSON, see docs/mds.md):
/// <code>
/// {
///   "name": "mds1",
///   "rpcEndpoint": "10.0.0.1:6600",
///   "etcdEndpoints": [ "10.0.0.1:2379", "10.0.0.2:2379", "10.0.0.3:2379" ],
///   "keyPrefix": "/curvefs/",
///   "leaseTtlSeconds": 10,
///   "etcdTimeoutMs": 2000,
///   "chunkIdBundle": 100000,
///   "sessionLeaseSeconds": 30,
///   "metaServerOfflineSeconds": 10,
///   "copysetTimeoutMs": 2500
/// }
/// </code>
/// </summary>
public sealed record MdsConfig
{
    /// <summary>This MDS's name, unique among the cluster's MDS processes (it identifies the leader).</summary>
    public string Name { get; init; } = "";

    /// <summary>Where clients connect (gRPC over HTTP/2 cleartext): an IP address and port, advertised to clients as is.</summary>
    public string RpcEndpoint { get; init; } = "";

    public List<string> EtcdEndpoints { get; init; } = [];

    /// <summary>Every key of this cluster lives under it (docs/mds.md, "Keys in etcd").</summary>
    public string KeyPrefix { get; init; } = MdsKeys.DefaultPrefix;

    /// <summary>The leader's lease: a dead leader is replaced within about this long.</summary>
    public int LeaseTtlSeconds { get; init; } = 10;

    /// <summary>Deadline of one etcd operation.</summary>
    public int EtcdTimeoutMs { get; init; } = 2000;

    /// <summary>Chunk IDs reserved from etcd at a time.</summary>
    public ulong ChunkIdBundle { get; init; } = 100_000;

    /// <summary>A session not heard from (heartbeat) for this long is expired: its client ID's stored answers
    /// and orphan holds are dropped in the copysets and it must open a new session.</summary>
    public int SessionLeaseSeconds { get; init; } = 30;

    /// <summary>A metaserver that has not registered (heartbeat) for this long is shown offline, and copysets
    /// without a majority of online members get no new partitions.</summary>
    public int MetaServerOfflineSeconds { get; init; } = 10;

    /// <summary>How long the MDS keeps trying one copyset command (create a partition, initialize a filesystem,
    /// expire a client) before answering Unavailable; the work is recorded and finished later.</summary>
    public int CopysetTimeoutMs { get; init; } = 2500;

    public static MdsConfig Load(string path) => ServerProcess.LoadConfig<MdsConfig>(path, c => c.Validate(path));

    public void Save(string path) => ServerProcess.SaveConfig(this, path);

    /// <summary>Throws <see cref="InvalidDataException"/> naming the field and the reason.</summary>
    public void Validate(string source = "MDS configuration")
    {
        void Fail(string what) => throw new InvalidDataException($"config {source}: {what}");
        if (!FsManager.FsStore.IsValidName(Name)) Fail($"name '{Name}' must be 1-128 characters of letters, digits, '.', '_' and '-'");
        if (!IPEndPoint.TryParse(RpcEndpoint, out var rpc)) Fail($"rpcEndpoint '{RpcEndpoint}' is not HOST:PORT (an IP address and a port)");
        else if (rpc.Address.Equals(IPAddress.Any) || rpc.Address.Equals(IPAddress.IPv6Any))
            Fail($"rpcEndpoint '{RpcEndpoint}' is a wildcard address: clients are sent to it, so give the address they reach this MDS at");
        if (EtcdEndpoints.Count == 0) Fail("etcdEndpoints is empty: list etcd's client addresses (HOST:PORT)");
        foreach (var endpoint in EtcdEndpoints)
            if (!Uri.TryCreate(endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "http://" + endpoint, UriKind.Absolute, out var uri) || uri.Port <= 0)
                Fail($"etcd endpoint '{endpoint}' is not HOST:PORT");
        try
        {
            _ = new MdsKeys(KeyPrefix);
        }
        catch (ArgumentException e)
        {
            Fail(e.Message);
        }
        if (LeaseTtlSeconds is < 2 or > 600) Fail("leaseTtlSeconds must be between 2 and 600");
        if (EtcdTimeoutMs is < 100 or > 60_000) Fail("etcdTimeoutMs must be between 100 and 60000");
        if (ChunkIdBundle is < 1 or > 1UL << 32) Fail("chunkIdBundle must be between 1 and 2^32");
        if (SessionLeaseSeconds is < 1 or > 3600) Fail("sessionLeaseSeconds must be between 1 and 3600");
        if (MetaServerOfflineSeconds is < 1 or > 3600) Fail("metaServerOfflineSeconds must be between 1 and 3600");
        if (CopysetTimeoutMs is < 100 or > 60_000) Fail("copysetTimeoutMs must be between 100 and 60000");
    }
}
