using CurveFs.Mds.Etcd;
using CurveFs.Mds.FsManager;
using CurveFs.Mds.Hosting;
using CurveFs.Mds.Partitions;
using CurveFs.Mds.Sessions;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.Topology;

/// <summary>The leader's view of the cluster below the filesystems: metaservers and copysets, partitions, sessions,
/// and the per-filesystem locks they share. One per MDS process; every piece keeps its state in etcd.</summary>
public sealed class MdsTopology : IDisposable
{
    public MdsTopology(EtcdKv etcd, MdsKeys keys, MdsTimings timings, ILoggerFactory loggers)
    {
        Timings = timings;
        Copysets = new CopysetClient(timings.CopysetTimeout, loggers.CreateLogger<CopysetClient>());
        Registry = new MetaServerRegistry(etcd, keys, timings, loggers.CreateLogger<MetaServerRegistry>());
        PartitionTable = new PartitionTable(etcd, keys);
        Partitions = new PartitionAllocator(PartitionTable, Registry, Copysets, Locks, timings, loggers.CreateLogger<PartitionAllocator>());
        Sessions = new SessionTable(etcd, keys, PartitionTable, Registry, Copysets, Locks, timings, loggers.CreateLogger<SessionTable>());
    }

    public MdsTimings Timings { get; }
    public FsLocks Locks { get; } = new();
    public CopysetClient Copysets { get; }
    public MetaServerRegistry Registry { get; }
    public PartitionTable PartitionTable { get; }
    public PartitionAllocator Partitions { get; }
    public SessionTable Sessions { get; }

    /// <summary>Called when a session was closed, to finish it soon (set by the host).</summary>
    public Action? SessionClosed { get; set; }

    /// <summary>A term started or ended: forget what is in memory; the next use reloads from etcd.</summary>
    public void Reset()
    {
        Registry.Reset();
        Partitions.Reset();
        Sessions.Reset();
    }

    public void Dispose() => Copysets.Dispose();
}
