using System.Diagnostics;
using System.Net.Sockets;
using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using CurveFs.Mount.Meta;

namespace CurveFs.Mount.Playground;

/// <summary>Asks each kind of playground process how it is: the ROLE column of <c>playground status</c>.</summary>
internal sealed class PlaygroundProbes : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private readonly HttpClient _http = new() { Timeout = Timeout };
    private readonly MetaRpcClient _meta = new(Timeout);
    private readonly MdsClient? _mds;

    public PlaygroundProbes(PlaygroundState state)
    {
        if (state.MdsEndpoints.Length > 0) _mds = MdsClient.ForEndpoints(state.MdsEndpoints, Timeout);
    }

    /// <summary>down (not running), unreachable (running, not answering), else: etcd and s3 "up", an MDS
    /// "leader" or "standby", a metaserver its copysets' role ("leader", "follower", or per copyset as in
    /// "leader:1,3/follower:2" when they differ).</summary>
    public string Role(PlaygroundProcess process)
    {
        if (!IsAlive(process.Pid)) return "down";
        try
        {
            return process.Kind switch
            {
                PlaygroundKinds.Etcd => EtcdHealthy(process.Address) ? "up" : "unhealthy",
                PlaygroundKinds.S3 => Listening(process.Address) ? "up" : "unreachable",
                PlaygroundKinds.Mds => _mds!.StatusAsync(process.Address).GetAwaiter().GetResult().Role.ToString().ToLowerInvariant(),
                _ => MetaServerRole(_meta.StatusAsync(process.Address).GetAwaiter().GetResult().Copysets),
            };
        }
        catch (Exception e) when (e is RpcCallException or IOException or HttpRequestException or TaskCanceledException or SocketException)
        {
            return "unreachable";
        }
    }

    private static string MetaServerRole(IReadOnlyList<CopysetStatus> copysets)
    {
        if (copysets.Count == 0) return "idle";
        var roles = copysets.GroupBy(c => c.Role.ToString().ToLowerInvariant()).OrderBy(g => g.Key != "leader").ThenBy(g => g.Key).ToList();
        return roles.Count == 1 ? roles[0].Key : string.Join('/', roles.Select(g => $"{g.Key}:{string.Join(',', g.Select(c => c.CopysetId).Order())}"));
    }

    /// <summary>Every copyset has a leader somewhere (the metaservers' own view).</summary>
    public bool AllCopysetsLed(PlaygroundState state)
    {
        var led = new HashSet<uint>();
        var all = new HashSet<uint>();
        foreach (var endpoint in state.MetaServerEndpoints)
        {
            try
            {
                foreach (var copyset in _meta.StatusAsync(endpoint).GetAwaiter().GetResult().Copysets)
                {
                    all.Add(copyset.CopysetId);
                    if (copyset.Role == CopysetRole.Leader) led.Add(copyset.CopysetId);
                }
            }
            catch (RpcCallException)
            {
                return false;
            }
        }
        return all.Count > 0 && led.SetEquals(all);
    }

    public MdsClient Mds => _mds ?? throw new InvalidOperationException("this playground has no MDS");

    private bool EtcdHealthy(string address)
    {
        var body = _http.GetStringAsync($"http://{address}/health").GetAwaiter().GetResult();
        return body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
    }

    public static bool Listening(string address)
    {
        var (host, port) = PlaygroundPrograms.Split(address);
        try
        {
            using var client = new TcpClient();
            return client.ConnectAsync(host, int.Parse(port)).Wait(Timeout) && client.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    public static bool IsAlive(int pid)
    {
        if (pid <= 0) return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ");
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _meta.Dispose();
        _mds?.Dispose();
    }
}
