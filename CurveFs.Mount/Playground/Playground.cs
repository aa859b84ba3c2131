using System.Diagnostics;
using CurveFs.Common.Rpc;
using CurveFs.Mount.Cli;
using CurveFs.Mount.Fuse;
using CurveFs.Mount.Hosting;
using CurveFs.Mount.ObjectStore;

namespace CurveFs.Mount.Playground;

/// <summary>
/// The playground: the whole distributed shape on loopback under one directory (<see cref="PlaygroundLayout"/>):
/// etcd, an S3 server (MinIO when on PATH, else s3rver), 2 MDS and 3 metaservers replicating N copysets, and a
/// filesystem created through the MDS with its data in that S3 server. <c>up</c> starts whatever is not running
/// (all of it the first time, a killed process later), <c>status</c> prints one <c>KIND ROLE PID ADDRESS</c>
/// line per process, <c>down</c> stops everything and keeps the data.
/// </summary>
public static class Playground
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    public static int Up(string dir, PlaygroundOptions options)
    {
        if (options.SnapshotEvery < 10) return Fail("--snapshot-every must be at least 10", 64);
        if (options.Copysets is < 1 or > 16) return Fail("--copysets must be between 1 and 16", 64);
        if (options.MdsLeaseSeconds is < 2 or > 120) return Fail("--mds-lease must be between 2 and 120 seconds", 64);
        Directory.CreateDirectory(dir);
        var state = PlaygroundState.Load(dir);
        if (state is not null && state.Processes.All(p => PlaygroundProbes.IsAlive(p.Pid)))
            return Fail($"{dir} is already up; `curvefs playground status {dir}` shows it, `curvefs playground down {dir}` stops it", 1);
        PlaygroundS3Server s3;
        string etcd;
        try
        {
            s3 = state?.S3 is { } recorded ? PlaygroundS3Server.For(recorded) : PlaygroundS3Server.Find();
            etcd = PlaygroundPrograms.Etcd();
        }
        catch (FileNotFoundException e)
        {
            return Fail(e.Message, 1);
        }
        state ??= PlaygroundLayout.Create(dir, options, s3);
        state.Save(dir);

        foreach (var kind in new[] { PlaygroundKinds.Etcd, PlaygroundKinds.S3, PlaygroundKinds.Mds, PlaygroundKinds.MetaServer })
        {
            var started = 0;
            foreach (var process in state.OfKind(kind).Where(p => !PlaygroundProbes.IsAlive(p.Pid)).ToList())
            {
                var pid = Start(process, s3, etcd);
                state = state with { Processes = [.. state.Processes.Select(p => p == process ? p with { Pid = pid } : p)] };
                state.Save(dir);
                started++;
            }
            if (started > 0) Console.WriteLine($"curvefs playground: started {started} {kind} process(es), waiting for them to serve ...");
            if (!WaitUntilReady(state, kind, out var problem))
            {
                Console.Error.WriteLine($"curvefs playground: {problem}");
                Console.Error.WriteLine($"curvefs playground: stopping what was started; the logs stay under {dir}");
                Down(dir);
                return 1;
            }
        }
        var created = EnsureFilesystem(state);
        if (created != 0) return created;
        Status(dir, Console.Out);
        Directory.CreateDirectory(state.MountPoint);
        Console.WriteLine();
        Console.WriteLine("Mount it with:");
        Console.WriteLine($"  {state.MountCommand}");
        return 0;
    }

    private static int Start(PlaygroundProcess process, PlaygroundS3Server s3, string etcd)
    {
        (string Program, List<string> Args, Dictionary<string, string>? Environment) command = process.Kind switch
        {
            PlaygroundKinds.Etcd => (etcd, PlaygroundPrograms.EtcdArgs(process), null),
            PlaygroundKinds.S3 => s3.CommandFor(process),
            _ => ServerCommand(process),
        };
        using var child = BackgroundProcess.Start(command.Program, command.Args, process.LogPath, command.Environment);
        return child.Id;
    }

    private static (string, List<string>, Dictionary<string, string>?) ServerCommand(PlaygroundProcess process)
    {
        var (program, args) = BackgroundProcess.Sibling(process.Kind == PlaygroundKinds.Mds ? "curvefs-mds" : "curvefs-metaserver");
        args.AddRange(["run", "--config", process.ConfigPath]);
        return (program, args, null);
    }

    /// <summary>Waits until the processes of one kind serve: etcd healthy, S3 listening with the bucket made, an
    /// MDS leader elected, every copyset led and every metaserver registered with the MDS.</summary>
    private static bool WaitUntilReady(PlaygroundState state, string kind, out string problem)
    {
        using var probes = new PlaygroundProbes(state);
        var deadline = DateTime.UtcNow + StartTimeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (state.OfKind(kind).FirstOrDefault(p => !PlaygroundProbes.IsAlive(p.Pid)) is { } dead)
            {
                problem = $"{dead.Kind} {dead.NodeId} (pid {dead.Pid}) exited; its log {dead.LogPath} ends with:\n{Tail(dead.LogPath)}";
                return false;
            }
            try
            {
                if (Ready(state, kind, probes)) { problem = ""; return true; }
            }
            catch (Exception e) when (e is IOException or ObjectStoreException or RpcCallException or HttpRequestException)
            {
                last = e.Message;
            }
            Thread.Sleep(250);
        }
        problem = $"the {kind} processes did not come up within {StartTimeout.TotalSeconds} s{(last.Length > 0 ? $" ({last})" : "")}; " +
                  $"see {string.Join(", ", state.OfKind(kind).Select(p => p.LogPath))}";
        return false;
    }

    private static bool Ready(PlaygroundState state, string kind, PlaygroundProbes probes)
    {
        switch (kind)
        {
            case PlaygroundKinds.Etcd:
                return state.OfKind(kind).All(p => probes.Role(p) == "up");
            case PlaygroundKinds.S3:
                if (!state.OfKind(kind).All(p => probes.Role(p) == "up")) return false;
                var store = new S3ObjectStore(S3Options(state));
                try
                {
                    store.EnsureBucketAsync().GetAwaiter().GetResult();
                }
                finally
                {
                    store.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
                return true;
            case PlaygroundKinds.Mds:
                return state.OfKind(kind).Any(p => probes.Role(p) == "leader");
            default:
                if (!probes.AllCopysetsLed(state)) return false;
                var registered = probes.Mds.ListMetaServersAsync().GetAwaiter().GetResult();
                return state.MetaServerEndpoints.All(e => registered.Any(m => m.RpcEndpoint == e && m.Online));
        }
    }

    private static S3StoreOptions S3Options(PlaygroundState state) =>
        new(state.S3!.Endpoint, state.S3.Bucket, state.S3.AccessKey, state.S3.SecretKey);

    /// <summary>Creates the playground's filesystem through the MDS (as <c>curvefs create-fs --mds</c> does) unless it exists.</summary>
    private static int EnsureFilesystem(PlaygroundState state)
    {
        using (var mds = MdsClient.ForEndpoints(state.MdsEndpoints, TimeSpan.FromSeconds(30)))
        {
            if (mds.GetFsAsync(state.FsName).GetAwaiter().GetResult() is not null) return 0;
        }
        var s3 = state.S3!;
        var request = new MdsCreateFsRequest(state.FsName, state.MdsEndpoints, s3.Endpoint, s3.Bucket, s3.AccessKey, s3.SecretKey, "us-east-1", "",
            "64M", "4M", null) { PartitionSize = state.PartitionSize };
        var code = MdsFsCommands.CreateFs(request, Console.Out, Console.Error);
        if (code != 0) Console.Error.WriteLine($"curvefs playground: creating filesystem {state.FsName} failed; the cluster stays up (`curvefs playground down` stops it)");
        return code;
    }

    public static int Status(string dir, TextWriter output)
    {
        var state = PlaygroundState.Load(dir);
        if (state is null) return Fail($"no playground in {dir} (start one with `curvefs playground up {dir}`)", 1);
        using var probes = new PlaygroundProbes(state);
        foreach (var process in state.Processes)
            output.WriteLine($"{process.Kind} {probes.Role(process)} {process.Pid} {process.Address}");
        return 0;
    }

    public static int Down(string dir)
    {
        var state = PlaygroundState.Load(dir);
        if (state is null) return Fail($"no playground in {dir}", 1);
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
        // Clients of a kind go before what they depend on: metaservers, then the MDS, then S3 and etcd.
        var stopped = 0;
        foreach (var group in state.Processes.GroupBy(p => PlaygroundKinds.StartOrder(p.Kind)).OrderByDescending(g => g.Key))
        {
            var alive = group.Where(p => PlaygroundProbes.IsAlive(p.Pid)).ToList();
            foreach (var process in alive) Signal(process.Pid, 15);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (alive.Any(p => PlaygroundProbes.IsAlive(p.Pid)) && DateTime.UtcNow < deadline) Thread.Sleep(100);
            foreach (var process in alive.Where(p => PlaygroundProbes.IsAlive(p.Pid))) Signal(process.Pid, 9);
            stopped += alive.Count;
        }
        Console.WriteLine($"curvefs playground: stopped {stopped} process(es); state kept in {dir} (`curvefs playground up {dir}` restarts it)");
        return 0;
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"curvefs playground: {message}");
        return code;
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
