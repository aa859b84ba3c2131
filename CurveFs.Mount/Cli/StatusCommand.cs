using System.CommandLine;
using CurveFs.Common.Fs;
using CurveFs.Common.Rpc;

namespace CurveFs.Mount.Cli;

/// <summary><c>curvefs status --mds ADDRS</c>: the cluster as the MDS sees it: each MDS's role, the registered
/// metaservers, each filesystem's partitions by copyset, and the open client sessions.</summary>
public static class StatusCommand
{
    public static Command Build()
    {
        var mds = new Option<string>("--mds") { Description = "The MDS RPC addresses, comma separated.", Required = true, HelpName = "ADDRS" };
        var command = new Command("status", "Show the MDS processes, metaservers, filesystems and client sessions of a cluster.") { mds };
        command.SetAction(result => Run(result.GetValue(mds)!, Console.Out, Console.Error));
        return command;
    }

    public static int Run(string endpoints, TextWriter output, TextWriter error)
    {
        MdsClient client;
        try
        {
            client = MdsClient.ForEndpoints(endpoints, TimeSpan.FromSeconds(10));
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"curvefs status: {e.Message}");
            return 64;
        }
        using (client)
        {
            output.WriteLine("MDS");
            foreach (var endpoint in client.Endpoints)
            {
                try
                {
                    var status = client.StatusAsync(endpoint).GetAwaiter().GetResult();
                    output.WriteLine($"  {status.NodeName,-12} {status.Role.ToString().ToLowerInvariant(),-8} {endpoint}{(status.EtcdError is { } etcd ? $"  etcd: {etcd}" : "")}");
                }
                catch (RpcCallException e)
                {
                    output.WriteLine($"  {"?",-12} {"down",-8} {endpoint}  {e.Message}");
                }
            }
            try
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                output.WriteLine("metaservers");
                foreach (var server in client.ListMetaServersAsync().GetAwaiter().GetResult())
                    output.WriteLine($"  {server.Name,-16} {(server.Online ? "online" : "OFFLINE"),-8} {server.RpcEndpoint,-22} copysets {string.Join(',', server.Copysets)}  (heard from {(now - server.LastHeartbeatUnixMs) / 1000.0:0.0} s ago)");
                var sessions = client.ListSessionsAsync(0).GetAwaiter().GetResult();
                output.WriteLine("filesystems");
                foreach (var fs in client.ListFsAsync().GetAwaiter().GetResult())
                {
                    var partitions = client.GetTopologyAsync(fs.Info.FsId).GetAwaiter().GetResult().Partitions;
                    var byCopyset = string.Join(", ", partitions.GroupBy(p => p.CopysetId).OrderBy(g => g.Key).Select(g => $"copyset {g.Key}: {g.Count()}"));
                    output.WriteLine($"  {fs.Info.Name} (fs {fs.Info.FsId}): {partitions.Count} partitions ({byCopyset}), {sessions.Count(s => s.FsId == fs.Info.FsId)} mounts");
                }
                output.WriteLine("sessions");
                var nowNs = Clock.NowNs();
                foreach (var session in sessions)
                    output.WriteLine($"  {session.SessionId,-6} fs {session.FsId,-4} {session.Host}:{session.MountPoint} pid {session.Pid}  (heartbeat {(nowNs - session.LastHeartbeatNs) / 1e9:0.0} s ago)");
                return 0;
            }
            catch (MdsException e)
            {
                error.WriteLine($"curvefs status: {e.Message}");
                return 1;
            }
        }
    }
}
