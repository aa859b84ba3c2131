using CurveFs.Common.Rpc;
using System.Diagnostics;
using CurveFs.Mount.Meta;
using CurveFs.Mount.Playground;

namespace CurveFs.Tests.Integration;

/// <summary>
/// A 3-metaserver playground brought up with the real <c>curvefs playground up</c>, plus what the
/// failure tests need: kill -9 a node, restart it, ask every replica for its digest.
/// </summary>
public sealed class PlaygroundCluster : IDisposable
{
    public PlaygroundCluster(long snapshotEvery = 10_000)
    {
        Dir = Directory.CreateTempSubdirectory("curvefs-playground-").FullName;
        var up = Shell.Run($"'{Binaries.Curvefs}' playground up '{Dir}' --fs testfs --snapshot-every {snapshotEvery}", timeout: TimeSpan.FromMinutes(3));
        if (up.ExitCode != 0) throw new InvalidOperationException($"playground up failed: {up}\n{Logs()}");
        UpOutput = up.Stdout;
    }

    public string Dir { get; }
    public string UpOutput { get; }
    public PlaygroundState State => PlaygroundState.Load(Dir)!;

    /// <summary>What `curvefs mount` needs before the mount point to mount this playground's filesystem.</summary>
    public string[] MountArgs
    {
        get
        {
            var state = State;
            return ["--metaservers", string.Join(',', state.MetaServerEndpoints), "--fs", state.FsName, "--storage", state.Storage];
        }
    }

    /// <summary>`curvefs playground status` lines: KIND ROLE PID ADDRESS.</summary>
    public List<(string Kind, string Role, int Pid, string Address)> Status()
    {
        var output = Shell.Ok($"'{Binaries.Curvefs}' playground status '{Dir}'");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .Select(f => (f[0], f[1], int.Parse(f[2]), f[3]))
            .ToList();
    }

    /// <summary>The node currently leading, waiting up to a timeout for one to be elected.</summary>
    public PlaygroundProcess WaitForLeader(TimeSpan? timeout = null, int? notNode = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var leader = Status().FirstOrDefault(s => s.Role == "leader");
            var process = State.Processes.FirstOrDefault(p => p.Address == leader.Address);
            if (process is not null && process.NodeId != notNode) return process;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no leader within the timeout:\n{string.Join("\n", Status())}\n{Logs()}");
            Thread.Sleep(200);
        }
    }

    public PlaygroundProcess Node(int nodeId) => State.Processes.Single(p => p.NodeId == nodeId);

    public void Kill9(int nodeId)
    {
        var pid = Node(nodeId).Pid;
        Shell.Run($"kill -9 {pid}");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ") && DateTime.UtcNow < deadline) Thread.Sleep(20);
    }

    /// <summary>Starts a stopped node again from its config and data (as the playground would).</summary>
    public void Restart(int nodeId)
    {
        var node = Node(nodeId);
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec setsid '{Binaries.MetaServer}' run --config '{node.ConfigPath}' </dev/null >>'{node.LogPath}' 2>&1");
        using var process = Process.Start(start)!;
        var state = State;
        state = state with { Processes = state.Processes.Select(p => p.NodeId == nodeId ? p with { Pid = process.Id } : p).ToList() };
        state.Save(Dir);
    }

    /// <summary>Each node's digest of its applied state, after waiting (up to settle) until every node
    /// answers with the same digest.</summary>
    public Dictionary<int, string> Digests(TimeSpan? settle = null)
    {
        using var rpc = new MetaRpcClient(TimeSpan.FromSeconds(10));
        var deadline = DateTime.UtcNow + (settle ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var digests = new Dictionary<int, string>();
            foreach (var node in State.Processes)
            {
                try
                {
                    var reply = rpc.StatusAsync(node.Address, includeDigests: true).GetAwaiter().GetResult();
                    if (reply.Digests is { } d && d.TryGetValue(1, out var digest)) digests[node.NodeId] = digest;
                }
                catch (RpcCallException)
                {
                }
            }
            if ((digests.Count == State.Processes.Count && digests.Values.Distinct().Count() == 1) || DateTime.UtcNow > deadline) return digests;
            Thread.Sleep(250);
        }
    }

    public string Logs() => string.Join("\n", Directory.Exists(Dir)
        ? Directory.GetFiles(Dir, "*.log", SearchOption.AllDirectories).Select(f => $"--- {f}\n{Tail(f)}")
        : []);

    private static string Tail(string path)
    {
        var text = File.ReadAllText(path);
        return text.Length > 3000 ? text[^3000..] : text;
    }

    public void Dispose()
    {
        Shell.Run($"'{Binaries.Curvefs}' playground down '{Dir}'", timeout: TimeSpan.FromMinutes(1));
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
