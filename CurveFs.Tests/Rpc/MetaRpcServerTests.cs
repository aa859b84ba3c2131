using System.Net;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Service;
using CurveFs.Mount.Meta;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Rpc;

[Trait("Category", "Integration")]
public sealed class MetaRpcServerTests
{
    [Fact]
    public async Task Status_ListsTheHostedCopysets()
    {
        var dir = Directory.CreateTempSubdirectory("curvefs-rpc-").FullName;
        try
        {
            using var one = LocalCopyset.Open(Path.Combine(dir, "1"), new LocalCopysetOptions(), NullLogger.Instance);
            using var two = LocalCopyset.Open(Path.Combine(dir, "2"), new LocalCopysetOptions(), NullLogger.Instance);
            var registry = new CopysetRegistry(new ScriptedCopyset(two, copysetId: 2), one);
            await using var server = await MetaRpcServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), 42, registry, NullLoggerFactory.Instance);
            Assert.NotEqual(0, server.BoundEndpoint.Port);
            using var rpc = new MetaRpcClient(TimeSpan.FromSeconds(2));
            var status = await rpc.StatusAsync(server.Endpoint);
            Assert.Equal(42u, status.NodeId);
            Assert.Equal([1u, 2u], status.Copysets.Select(c => c.CopysetId));
            Assert.All(status.Copysets, c => Assert.Equal(CopysetRole.Leader, c.Role));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Handlers_MapCopysetFailuresToStatuses()
    {
        var loggers = new CollectingLoggerProvider();
        await using var host = await RpcTestHost.StartAsync(loggers: loggers.Factory());
        using var rpc = new MetaRpcClient(TimeSpan.FromSeconds(2));
        var query = new QueryRequest { CopysetId = 1, Query = new GetAttrQuery { FsId = 7, Ino = 1 } };

        var missing = await rpc.QueryAsync(host.Endpoint, new QueryRequest { CopysetId = 9, Query = new GetAttrQuery() });
        Assert.Equal(RpcStatus.NoSuchCopyset, missing.Status);

        var ok = await rpc.QueryAsync(host.Endpoint, query);
        Assert.Equal(RpcStatus.Ok, ok.Status);
        Assert.Equal(Errno.ENOENT, ok.Result!.Error); // no filesystem yet: an errno, not an RPC failure

        host.Served.NotLeaderHint = "10.0.0.9:6700";
        var notLeader = await rpc.QueryAsync(host.Endpoint, query);
        Assert.Equal(RpcStatus.NotLeader, notLeader.Status);
        Assert.Equal("10.0.0.9:6700", notLeader.LeaderEndpoint);

        host.Served.NotLeaderHint = null;
        host.Served.Fault = new CopysetUnavailableException("log failed: disk full");
        var unavailable = await rpc.ExecuteAsync(host.Endpoint, new ExecuteRequest { CopysetId = 1, Envelope = CommandEnvelope.Unnumbered(new AllocateChunkIdsCommand { Count = 1 }) });
        Assert.Equal(RpcStatus.Unavailable, unavailable.Status);
        Assert.Contains("disk full", unavailable.Message);

        host.Served.Fault = new InvalidOperationException("bug");
        var internalError = await rpc.QueryAsync(host.Endpoint, query);
        Assert.Equal(RpcStatus.Internal, internalError.Status);
        Assert.Contains("bug", internalError.Message);
        Assert.Contains(loggers.Lines, l => l.Level == LogLevel.Error && l.Message.Contains("bug"));

        var bad = await rpc.ExecuteAsync(host.Endpoint, new ExecuteRequest { CopysetId = 1, Envelope = null! });
        Assert.Equal(RpcStatus.BadRequest, bad.Status);
    }

    [Fact]
    public async Task Server_LogsNoLinePerRequest()
    {
        var loggers = new CollectingLoggerProvider();
        await using var host = await RpcTestHost.StartAsync(loggers: loggers.Factory());
        using var rpc = new MetaRpcClient(TimeSpan.FromSeconds(2));
        var before = loggers.Lines.Count;
        for (var i = 0; i < 20; i++)
            await rpc.QueryAsync(host.Endpoint, new QueryRequest { CopysetId = 1, Query = new GetAttrQuery { FsId = 7, Ino = 1 } });
        Assert.True(loggers.Lines.Count == before, loggers.Text());
        await host.Server.StopAsync();
        Assert.True(loggers.Lines.All(l => l.Level < LogLevel.Warning && !l.Category.StartsWith("Microsoft", StringComparison.Ordinal)), loggers.Text());
    }

    [Fact]
    public async Task Call_ToAClosedPort_ThrowsRpcCallException()
    {
        using var rpc = new MetaRpcClient(TimeSpan.FromSeconds(2));
        var endpoint = RpcTestHost.ClosedEndpoint();
        var e = await Assert.ThrowsAsync<RpcCallException>(() => rpc.StatusAsync(endpoint));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains(endpoint, e.Message);
        Assert.Contains("refused", e.Message);
    }

    [Fact]
    public async Task Call_PastItsDeadline_ThrowsRpcCallException()
    {
        await using var host = await RpcTestHost.StartAsync();
        host.Served.SlowReplyDelay = TimeSpan.FromMilliseconds(500);
        host.Served.SlowReplies(1);
        using var rpc = new MetaRpcClient(TimeSpan.FromMilliseconds(150));
        var request = new ExecuteRequest { CopysetId = 1, Envelope = CommandEnvelope.Unnumbered(new AllocateChunkIdsCommand { Count = 1 }) };
        var e = await Assert.ThrowsAsync<RpcCallException>(() => rpc.ExecuteAsync(host.Endpoint, request));
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Contains("150 ms", e.Message);
    }
}
