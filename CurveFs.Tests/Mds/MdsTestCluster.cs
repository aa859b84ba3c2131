using System.Diagnostics;
using CurveFs.Common.Rpc;
using CurveFs.Mds.Etcd;
using CurveFs.Mds.Hosting;
using CurveFs.Tests.Infrastructure;
using CurveFs.Tests.Rpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Mds;

/// <summary>MDS tests run alone (their timing depends on leases), one after another, sharing one etcd.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MdsCollection
{
    public const string Name = "Mds";
}

/// <summary>Several in-process MDS hosts on loopback ports sharing an etcd under a key prefix of their own.</summary>
internal sealed class MdsTestCluster : IAsyncDisposable
{
    public const int LeaseTtlSeconds = 2;

    private readonly List<MdsHost?> _hosts;

    private readonly Func<MdsConfig, MdsConfig> _configure;

    private MdsTestCluster(IReadOnlyList<string> etcd, string prefix, List<MdsHost?> hosts, ILoggerFactory loggers, Func<MdsConfig, MdsConfig> configure)
    {
        EtcdEndpoints = etcd;
        Prefix = prefix;
        _hosts = hosts;
        Loggers = loggers;
        _configure = configure;
    }

    public IReadOnlyList<string> EtcdEndpoints { get; }
    public string Prefix { get; }
    public ILoggerFactory Loggers { get; }

    /// <summary>The hosts by index; null once stopped.</summary>
    public IReadOnlyList<MdsHost?> Hosts => _hosts;

    public IEnumerable<MdsHost> Running => _hosts.OfType<MdsHost>();

    public static MdsConfig Config(string name, IReadOnlyList<string> etcd, string prefix, int port = 0) => new()
    {
        Name = name,
        RpcEndpoint = $"127.0.0.1:{port}",
        EtcdEndpoints = [.. etcd],
        KeyPrefix = prefix,
        LeaseTtlSeconds = LeaseTtlSeconds,
        EtcdTimeoutMs = 1000,
        ChunkIdBundle = 1000,
        // The test metaserver registers once (AddMetaServerAsync) and never heartbeats: keep it online.
        MetaServerOfflineSeconds = 3600,
    };

    /// <summary>A metaserver (one in-process copyset on loopback) registered with the MDS, so CreateFs can
    /// initialize filesystems on it. Dispose it after the cluster.</summary>
    public async Task<RpcTestHost> AddMetaServerAsync()
    {
        var host = await RpcTestHost.StartAsync();
        using var client = Client();
        await client.RegisterMetaServerAsync(new RegisterMetaServerRequest
        {
            Name = "test-metaserver",
            RpcEndpoint = host.Endpoint,
            Copysets = [new CopysetInfo(host.Copyset.CopysetId, [host.Endpoint])],
        });
        return host;
    }

    /// <param name="configure">changes each host's configuration (session lease, offline time ...).</param>
    public static async Task<MdsTestCluster> StartAsync(int count, string purpose, IReadOnlyList<string>? etcd = null, ILoggerFactory? loggers = null,
        Func<MdsConfig, MdsConfig>? configure = null)
    {
        etcd ??= EtcdServer.Shared.Endpoints;
        loggers ??= NullLoggerFactory.Instance;
        configure ??= c => c;
        var prefix = EtcdServer.UniquePrefix(purpose);
        var hosts = new List<MdsHost?>();
        for (var i = 1; i <= count; i++) hosts.Add(await MdsHost.StartAsync(configure(Config($"mds{i}", etcd, prefix)), loggers));
        return new MdsTestCluster(etcd, prefix, hosts, loggers, configure);
    }

    /// <summary>Starts host <paramref name="index"/> again (after a stop or crash) on its old port, with its old name.</summary>
    public async Task<MdsHost> RestartAsync(int index)
    {
        if (_hosts[index] is not null) throw new InvalidOperationException($"MDS host {index} is running");
        var port = int.Parse(Endpoints[index].Split(':')[1]);
        var host = await MdsHost.StartAsync(_configure(Config($"mds{index + 1}", EtcdEndpoints, Prefix, port)), Loggers);
        _hosts[index] = host;
        return host;
    }

    /// <summary>Every host's RPC endpoint (also of stopped ones, as a client's list would be).</summary>
    public IReadOnlyList<string> Endpoints => _endpoints ??= _hosts.Select(h => h!.RpcEndpoint).ToList();
    private IReadOnlyList<string>? _endpoints;

    public MdsClient Client(TimeSpan? budget = null) => new(new RetryOptions
    {
        Endpoints = Endpoints,
        CallTimeout = TimeSpan.FromSeconds(3),
        RetryBudget = budget ?? TimeSpan.FromSeconds(15),
    });

    /// <summary>Waits until exactly one running host leads, and returns it.</summary>
    public async Task<MdsHost> WaitForLeaderAsync(TimeSpan? timeout = null)
    {
        _ = Endpoints;
        var limit = timeout ?? TimeSpan.FromSeconds(15);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            var leaders = Running.Where(h => h.IsLeader).ToList();
            if (leaders.Count > 1) Assert.Fail($"{leaders.Count} MDS hosts lead at once: {string.Join(", ", leaders.Select(l => l.Config.Name))}");
            if (leaders.Count == 1) return leaders[0];
            await Task.Delay(20);
        }
        throw new TimeoutException($"no MDS became leader within {limit.TotalSeconds} s");
    }

    /// <summary>Stops host <paramref name="index"/> cleanly (it revokes its lease).</summary>
    public async Task StopAsync(int index)
    {
        _ = Endpoints;
        if (_hosts[index] is { } host) await host.DisposeAsync();
        _hosts[index] = null;
    }

    /// <summary>Stops host <paramref name="index"/> like kill -9: its lease is left to expire.</summary>
    public async Task CrashAsync(int index)
    {
        _ = Endpoints;
        if (_hosts[index] is { } host) await host.CrashAsync();
        _hosts[index] = null;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
            if (host is not null) await host.DisposeAsync();
        using var etcd = new EtcdKv(new EtcdOptions { Endpoints = EtcdEndpoints });
        try
        {
            await etcd.DeletePrefixAsync(Prefix);
        }
        catch (EtcdException)
        {
            // the test stopped its etcd
        }
    }
}
