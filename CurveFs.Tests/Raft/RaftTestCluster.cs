using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Partition;
using CurveFs.MetaServer.Raft;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Raft;

/// <summary>The Raft tests start several copyset replicas with real TCP ports and timers: run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RaftCollection
{
    public const string Name = "Raft";
}

/// <summary>Three in-process <see cref="RaftCopyset"/> replicas of copyset 1 on free loopback ports, each
/// with its own directory under a temp root. Nodes can be stopped and restarted from their directories.</summary>
internal sealed class RaftTestCluster : IAsyncDisposable
{
    public const uint Fs = 1;
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly RaftCopyset?[] _nodes;
    private readonly ILoggerFactory _loggerFactory;
    private long _now = 1_700_000_000_000_000_000;
    private volatile int _lastLeader;

    private readonly TimeSpan _requestTimeout;

    public RaftTestCluster(int size = 3, long snapshotThreshold = 100_000, ILoggerFactory? loggerFactory = null, TimeSpan? requestTimeout = null)
    {
        _requestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10);
        Root = Directory.CreateTempSubdirectory("curvefs-raft-").FullName;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        var ports = FreePorts(size);
        Peers = Enumerable.Range(0, size)
            .Select(i => new RaftPeer($"n{i}", $"127.0.0.1:{ports[i]}", $"rpc-n{i}.test:{6700 + i}"))
            .ToList();
        SnapshotThreshold = snapshotThreshold;
        _nodes = new RaftCopyset?[size];
    }

    public string Root { get; }
    public IReadOnlyList<RaftPeer> Peers { get; }
    public long SnapshotThreshold { get; }
    public int Size => _nodes.Length;

    public RaftCopyset Node(int i) => _nodes[i] ?? throw new InvalidOperationException($"node {i} is stopped");

    public bool IsRunning(int i) => i >= 0 && _nodes[i] is not null;

    public string DataDirectory(int i) => Path.Combine(Root, $"n{i}");

    public RaftCopysetOptions Options(int i) => new()
    {
        CopysetId = 1,
        NodeId = Peers[i].NodeId,
        Peers = Peers,
        DataDirectory = DataDirectory(i),
        SnapshotThreshold = SnapshotThreshold,
        ElectionTimeoutLower = TimeSpan.FromMilliseconds(600),
        ElectionTimeoutUpper = TimeSpan.FromMilliseconds(1200),
        RequestTimeout = _requestTimeout,
    };

    public async Task StartAllAsync()
    {
        for (var i = 0; i < Size; i++) await StartAsync(i);
    }

    public async Task<RaftCopyset> StartAsync(int i)
    {
        if (_nodes[i] is not null) throw new InvalidOperationException($"node {i} is running");
        return _nodes[i] = await RaftCopyset.StartAsync(Options(i), _loggerFactory);
    }

    public async Task StopAsync(int i)
    {
        if (_nodes[i] is { } node)
        {
            _nodes[i] = null;
            await node.StopAsync();
        }
    }

    public async Task StopAllAsync()
    {
        for (var i = 0; i < Size; i++) await StopAsync(i);
    }

    /// <summary>Waits until exactly one running node is leader and the other running nodes follow it
    /// (replicas that refuse to serve are left out).</summary>
    public async Task<int> WaitForLeaderAsync(TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var running = Enumerable.Range(0, Size).Where(i => IsRunning(i) && Node(i).Status.Role != CopysetRole.Unavailable).ToList();
            var leaders = running.Where(i => Node(i).Status.Role == CopysetRole.Leader).ToList();
            if (leaders is [var leader])
            {
                var rpc = Peers[leader].RpcEndpoint;
                if (running.All(i => i == leader || Node(i).Status.LeaderEndpoint == rpc)) return leader;
            }
            if (watch.Elapsed > (timeout ?? Patience))
                throw new TimeoutException("no single leader: " + string.Join("; ", running.Select(i => $"n{i} {Node(i).Status}")));
            await Task.Delay(50);
        }
    }

    public Task InitFsAsync(int leader) =>
        Expect(Node(leader).ExecuteAsync(new InitFsCommand
        {
            FsId = Fs,
            NowNs = _now,
            Partition = new PartitionRecord { PartitionId = 1, Start = 1, End = 1 << 20 },
        }));

    public CreateNodeCommand Create(string name) => new()
    {
        FsId = Fs,
        Parent = 1,
        Name = Encoding.UTF8.GetBytes(name),
        Mode = FileModes.Regular | 0x1A4,
        NowNs = Interlocked.Add(ref _now, 1000),
    };

    public static async Task Expect(ValueTask<MetaResult> call)
    {
        var result = await call;
        Assert.True(result.Ok, $"command failed: {result.Error}");
    }

    /// <summary>Runs commands one after another through whichever node leads, following NotLeader answers
    /// and retrying after timeouts (numbered requests, so a retry never applies twice).</summary>
    public async Task<MetaResult> ExecuteOnLeaderAsync(CommandEnvelope envelope, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var target = _lastLeader;
            if (!IsRunning(target) || Node(target).Status.Role != CopysetRole.Leader)
                target = _lastLeader = Enumerable.Range(0, Size).FirstOrDefault(i => IsRunning(i) && Node(i).Status.Role == CopysetRole.Leader, -1);
            if (target >= 0)
            {
                try
                {
                    return await Node(target).ExecuteAsync(envelope);
                }
                catch (Exception e) when (e is NotLeaderException or TimeoutException or CopysetUnavailableException)
                {
                }
            }
            if (watch.Elapsed > (timeout ?? Patience)) throw new TimeoutException($"no leader accepted the command within {watch.Elapsed}");
            await Task.Delay(50);
        }
    }

    public string LocalDigest(int i) => Node(i).ReadLocalStateWithoutBarrier(QueryExecutor.Digest);

    /// <summary>Waits until every serving replica's state equals the leader's (read through the barrier).</summary>
    public async Task<string> WaitForEqualDigestsAsync(TimeSpan? timeout = null)
    {
        var leader = await WaitForLeaderAsync(timeout);
        var expected = await Node(leader).ReadAsync(QueryExecutor.Digest);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var digests = Enumerable.Range(0, Size).Where(i => IsRunning(i) && Node(i).Status.Role != CopysetRole.Unavailable)
                .Select(i => (i, Digest: LocalDigest(i))).ToList();
            if (digests.All(d => d.Digest == expected)) return expected;
            if (watch.Elapsed > (timeout ?? Patience))
                throw new TimeoutException($"replicas did not converge on {expected}: " +
                    string.Join("; ", digests.Select(d => $"n{d.i} {d.Digest} {Node(d.i).Status}")));
            await Task.Delay(100);
        }
    }

    public async Task<List<string>> NamesAsync(int leader) =>
        await Node(leader).ReadAsync(kv => MetaQueries.ReadDir(kv, Fs, 1, null, int.MaxValue, false).Value
            .Select(e => Encoding.UTF8.GetString(e.Name)).ToList());

    public string[] SnapshotFiles(int i)
    {
        var dir = Path.Combine(DataDirectory(i), "snapshots");
        return Directory.Exists(dir) ? Directory.GetFiles(dir) : [];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }
}
