using CurveFs.Common.Rpc;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Hosting;
using CurveFs.Mount.Fuse;
using CurveFs.Mount.Hosting;
using CurveFs.Mount.Meta;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Mount.Playground;

/// <summary>
/// The playground: three metaserver processes replicating one copyset on loopback, a filesystem in it
/// and data in DIR/objects. Everything lives under DIR:
/// <code>
/// DIR/playground.json     processes, filesystem, mount command
/// DIR/msN/config.json     metaserver N's configuration;  DIR/msN/metaserver.log  its log
/// DIR/msN/data/           its copyset data (Raft log, snapshots)
/// DIR/objects/            file data
/// DIR/mnt/                where the printed mount command mounts
/// </code>
/// </summary>
public static class Playground
{
    private const int MetaServers = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    public static int Up(string dir, string fsName, long snapshotEvery)
    {
        Directory.CreateDirectory(dir);
        var state = PlaygroundState.Load(dir);
        if (state is not null && state.Processes.Any(p => IsAlive(p.Pid)))
        {
            Console.Error.WriteLine($"curvefs playground: {dir} is already up; `curvefs playground status {dir}` shows it, `curvefs playground down {dir}` stops it");
            return 1;
        }
        if (snapshotEvery < 10)
        {
            Console.Error.WriteLine("curvefs playground: --snapshot-every must be at least 10");
            return 64;
        }
        state ??= Configure(dir, fsName, snapshotEvery);
        var started = new List<PlaygroundProcess>();
        foreach (var process in state.Processes)
        {
            var (program, args) = BackgroundProcess.Sibling("curvefs-metaserver");
            args.AddRange(["run", "--config", process.ConfigPath]);
            using var child = BackgroundProcess.Start(program, args, process.LogPath);
            started.Add(process with { Pid = child.Id });
        }
        state = state with { Processes = started };
        state.Save(dir);
        Console.WriteLine($"curvefs playground: started {started.Count} metaservers, waiting for a leader...");
        if (!WaitForLeader(state, out var problem))
        {
            Console.Error.WriteLine($"curvefs playground: {problem}");
            return 1;
        }
        var created = CreateFilesystem(state);
        if (created != Errno.Ok)
        {
            Console.Error.WriteLine($"curvefs playground: creating filesystem {state.FsName} failed: {created}");
            return 1;
        }
        Status(dir, Console.Out);
        Directory.CreateDirectory(state.MountPoint);
        Console.WriteLine();
        Console.WriteLine("Mount it with:");
        Console.WriteLine($"  {state.MountCommand}");
        return 0;
    }

    /// <summary>A new playground: free loopback ports, one config per metaserver.</summary>
    private static PlaygroundState Configure(string dir, string fsName, long snapshotEvery)
    {
        var ports = FreePorts(2 * MetaServers);
        var peers = Enumerable.Range(1, MetaServers)
            .Select(n => new PeerConfig(n, $"127.0.0.1:{ports[MetaServers + n - 1]}", $"127.0.0.1:{ports[n - 1]}"))
            .ToList();
        var processes = new List<PlaygroundProcess>();
        foreach (var peer in peers)
        {
            var nodeDir = Path.Combine(dir, $"ms{peer.NodeId}");
            Directory.CreateDirectory(nodeDir);
            var config = new MetaServerConfig
            {
                NodeId = peer.NodeId,
                RpcEndpoint = peer.RpcEndpoint,
                DataDir = Path.Combine(nodeDir, "data"),
                Copysets = [new CopysetConfig(1, peers)],
                SnapshotEveryEntries = snapshotEvery,
            };
            var configPath = Path.Combine(nodeDir, "config.json");
            config.Save(configPath);
            processes.Add(new PlaygroundProcess("metaserver", peer.NodeId, 0, peer.RpcEndpoint, configPath, Path.Combine(nodeDir, "metaserver.log")));
        }
        Directory.CreateDirectory(Path.Combine(dir, "objects"));
        return new PlaygroundState
        {
            FsName = fsName,
            Storage = "local:" + Path.Combine(dir, "objects"),
            MountPoint = Path.Combine(dir, "mnt"),
            Processes = processes,
        };
    }

    private static bool WaitForLeader(PlaygroundState state, out string problem)
    {
        using var rpc = new MetaRpcClient(TimeSpan.FromSeconds(2));
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var process in state.Processes)
            {
                if (!IsAlive(process.Pid))
                {
                    problem = $"metaserver {process.NodeId} (pid {process.Pid}) exited; its log {process.LogPath} says:\n{Tail(process.LogPath)}";
                    return false;
                }
            }
            foreach (var endpoint in state.MetaServerEndpoints)
            {
                try
                {
                    var status = rpc.StatusAsync(endpoint).GetAwaiter().GetResult();
                    if (status.Copysets.Any(c => c.Role == CopysetRole.Leader)) { problem = ""; return true; }
                }
                catch (RpcCallException)
                {
                    // not listening yet
                }
            }
            Thread.Sleep(200);
        }
        problem = $"no leader was elected within {StartTimeout.TotalSeconds} s; see the logs under {Path.GetDirectoryName(state.Processes[0].LogPath)}/..";
        return false;
    }

    private static Errno CreateFilesystem(PlaygroundState state)
    {
        var options = new ClusterMetaClientOptions { Endpoints = [.. state.MetaServerEndpoints] };
        try
        {
            var existing = ClusterMetaClient.ConnectAsync(options, state.FsName, NullLogger.Instance).GetAwaiter().GetResult();
            existing.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return Errno.Ok;
        }
        catch (MetaClusterException)
        {
            // not created yet
        }
        var fs = new FsInfo(1, state.FsName, FsInfo.DefaultChunkSize, FsInfo.DefaultBlockSize, FsInfo.DefaultCapacity);
        var client = new ClusterMetaClient(options, fs, NullLogger.Instance);
        try
        {
            return client.InitializeAsync(ProcessIdentity.Uid, ProcessIdentity.Gid, FileModes.Directory | 0x1ED).AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    public static int Status(string dir, TextWriter output)
    {
        var state = PlaygroundState.Load(dir);
        if (state is null)
        {
            Console.Error.WriteLine($"curvefs playground: no playground in {dir} (start one with `curvefs playground up {dir}`)");
            return 1;
        }
        using var rpc = new MetaRpcClient(TimeSpan.FromSeconds(2));
        foreach (var process in state.Processes)
        {
            var role = "down";
            if (IsAlive(process.Pid))
            {
                try
                {
                    var status = rpc.StatusAsync(process.Address).GetAwaiter().GetResult();
                    role = status.Copysets.Count == 0 ? "idle" : string.Join('/', status.Copysets.Select(c => c.Role.ToString().ToLowerInvariant()).Distinct());
                }
                catch (RpcCallException)
                {
                    role = "unreachable";
                }
            }
            output.WriteLine($"{process.Kind} {role} {process.Pid} {process.Address}");
        }
        return 0;
    }

    public static int Down(string dir)
    {
        var state = PlaygroundState.Load(dir);
        if (state is null)
        {
            Console.Error.WriteLine($"curvefs playground: no playground in {dir}");
            return 1;
        }
        if (FuseMountTable.IsMounted(state.MountPoint))
        {
            try
            {
                FuseMountTable.Unmount(state.MountPoint, lazy: true);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                Console.Error.WriteLine($"curvefs playground: unmounting {state.MountPoint}: {e.Message}");
            }
        }
        var alive = state.Processes.Where(p => IsAlive(p.Pid)).ToList();
        foreach (var process in alive) Signal(process.Pid, 15);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (alive.Any(p => IsAlive(p.Pid)) && DateTime.UtcNow < deadline) Thread.Sleep(100);
        foreach (var process in alive.Where(p => IsAlive(p.Pid))) Signal(process.Pid, 9);
        state.Save(dir);
        Console.WriteLine($"curvefs playground: stopped {alive.Count} process(es); state kept in {dir} (`curvefs playground up {dir}` restarts it)");
        return 0;
    }

    private static List<int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    internal static bool IsAlive(int pid)
    {
        if (pid <= 0) return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ");
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void Signal(int pid, int signal)
    {
        try
        {
            using var kill = Process.Start("kill", [$"-{signal}", pid.ToString()]);
            kill.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    private static string Tail(string path)
    {
        var text = BackgroundProcess.ReadFrom(path, 0);
        return text.Length > 4000 ? text[^4000..] : text;
    }
}
