using System.Net;
using System.Net.Sockets;
using CurveFs.Mds.Hosting;
using CurveFs.MetaServer.Hosting;

namespace CurveFs.Mount.Playground;

/// <summary>What <c>playground up</c> was asked for when it creates a new playground.</summary>
public sealed record PlaygroundOptions
{
    public string FsName { get; init; } = "playground";
    public long SnapshotEvery { get; init; } = 10_000;
    /// <summary>Copysets, each replicated on all three metaservers.</summary>
    public int Copysets { get; init; } = 3;
    /// <summary>The MDS leader lease: a killed leader is replaced within about this long.</summary>
    public int MdsLeaseSeconds { get; init; } = 10;
    /// <summary>Inode IDs per partition of the filesystem; 0: the default.</summary>
    public ulong PartitionSize { get; init; }
}

/// <summary>
/// Lays out a new playground under DIR: free loopback ports, and a directory per process.
/// <code>
/// DIR/playground.json     processes, filesystem, S3 endpoint, mount command
/// DIR/etcd/               etcd's data and etcd.log
/// DIR/s3/                 the S3 server's data and s3.log
/// DIR/mdsN/config.json    MDS N's configuration;  DIR/mdsN/mds.log  its log
/// DIR/msN/config.json     metaserver N's configuration;  DIR/msN/metaserver.log  its log
/// DIR/msN/data/           its copysets' data (Raft logs, snapshots)
/// DIR/mnt/                where the printed mount command mounts
/// </code>
/// </summary>
internal static class PlaygroundLayout
{
    private const int MdsCount = 2;
    private const int MetaServerCount = 3;

    public static PlaygroundState Create(string dir, PlaygroundOptions options, PlaygroundS3Server s3)
    {
        var ports = new Queue<int>(FreePorts(2 + s3.PortsNeeded + MdsCount + MetaServerCount * (1 + options.Copysets)));
        string Next() => $"127.0.0.1:{ports.Dequeue()}";
        var processes = new List<PlaygroundProcess>();

        var etcdDir = Directory.CreateDirectory(Path.Combine(dir, "etcd")).FullName;
        processes.Add(new PlaygroundProcess(PlaygroundKinds.Etcd, 0, 0, Next(), Path.Combine(etcdDir, "data"), Path.Combine(etcdDir, "etcd.log"), PeerAddress: Next()));

        var s3Dir = Directory.CreateDirectory(Path.Combine(dir, "s3")).FullName;
        var s3Address = Next();
        processes.Add(new PlaygroundProcess(PlaygroundKinds.S3, 0, 0, s3Address, Path.Combine(s3Dir, "data"), Path.Combine(s3Dir, "s3.log"),
            PeerAddress: s3.PortsNeeded > 1 ? Next() : null));

        var etcd = processes[0].Address;
        for (var n = 1; n <= MdsCount; n++)
        {
            var mdsDir = Directory.CreateDirectory(Path.Combine(dir, $"mds{n}")).FullName;
            var config = new MdsConfig
            {
                Name = $"mds{n}",
                RpcEndpoint = Next(),
                EtcdEndpoints = [etcd],
                LeaseTtlSeconds = options.MdsLeaseSeconds,
                // A killed mount's session (and its holds on unlinked open files) goes within a minute.
                SessionLeaseSeconds = 30,
            };
            var configPath = Path.Combine(mdsDir, "config.json");
            config.Save(configPath);
            processes.Add(new PlaygroundProcess(PlaygroundKinds.Mds, n, 0, config.RpcEndpoint, configPath, Path.Combine(mdsDir, "mds.log")));
        }
        var mdsEndpoints = processes.Where(p => p.Kind == PlaygroundKinds.Mds).Select(p => p.Address).ToList();

        var rpc = Enumerable.Range(1, MetaServerCount).Select(_ => Next()).ToList();
        var copysets = Enumerable.Range(1, options.Copysets)
            .Select(c => new CopysetConfig((uint)c, [.. Enumerable.Range(1, MetaServerCount).Select(n => new PeerConfig(n, Next(), rpc[n - 1]))]))
            .ToList();
        for (var n = 1; n <= MetaServerCount; n++)
        {
            var nodeDir = Directory.CreateDirectory(Path.Combine(dir, $"ms{n}")).FullName;
            var config = new MetaServerConfig
            {
                NodeId = n,
                RpcEndpoint = rpc[n - 1],
                DataDir = Path.Combine(nodeDir, "data"),
                Copysets = copysets,
                SnapshotEveryEntries = options.SnapshotEvery,
                MdsEndpoints = mdsEndpoints,
                MdsHeartbeatMs = 1000,
            };
            var configPath = Path.Combine(nodeDir, "config.json");
            config.Save(configPath);
            processes.Add(new PlaygroundProcess(PlaygroundKinds.MetaServer, n, 0, config.RpcEndpoint, configPath, Path.Combine(nodeDir, "metaserver.log")));
        }

        return new PlaygroundState
        {
            FsName = options.FsName,
            PartitionSize = options.PartitionSize,
            MountPoint = Path.Combine(dir, "mnt"),
            S3 = s3.Describe(s3Address),
            Processes = processes,
        };
    }

    private static List<int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
