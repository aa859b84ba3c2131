using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Service;
using CurveFs.Mount.Meta;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Rpc;

/// <summary>A real metaserver RPC endpoint on a loopback port over a LocalCopyset in a temp directory
/// (optionally wrapped, to script faults).</summary>
internal sealed class RpcTestHost : IAsyncDisposable
{
    public static readonly FsInfo Fs = new(7, "testfs", FsInfo.DefaultChunkSize, FsInfo.DefaultBlockSize, FsInfo.DefaultCapacity);

    private readonly string _dir;

    private RpcTestHost(string dir, LocalCopyset copyset, ScriptedCopyset served, MetaRpcServer server)
    {
        _dir = dir;
        Copyset = copyset;
        Served = served;
        Server = server;
    }

    /// <summary>The real copyset.</summary>
    public LocalCopyset Copyset { get; }

    /// <summary>What the server serves: the copyset behind a wrapper whose faults tests switch on.</summary>
    public ScriptedCopyset Served { get; }

    public MetaRpcServer Server { get; }

    public string Endpoint => Server.Endpoint;

    public static async Task<RpcTestHost> StartAsync(uint nodeId = 1, ILoggerFactory? loggers = null, int port = 0)
    {
        var dir = Directory.CreateTempSubdirectory("curvefs-rpc-").FullName;
        var copyset = LocalCopyset.Open(dir, new LocalCopysetOptions(), NullLogger.Instance);
        var served = new ScriptedCopyset(copyset);
        var server = await MetaRpcServer.StartAsync(new IPEndPoint(IPAddress.Loopback, port), nodeId, new CopysetRegistry(served), loggers ?? NullLoggerFactory.Instance);
        return new RpcTestHost(dir, copyset, served, server);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Copyset.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    public static ClusterMetaClientOptions Options(params string[] endpoints) => new()
    {
        Endpoints = endpoints,
        CallTimeout = TimeSpan.FromSeconds(2),
        RetryBudget = TimeSpan.FromSeconds(5),
    };

    /// <summary>A loopback endpoint nothing listens on (connection refused).</summary>
    public static string ClosedEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"127.0.0.1:{port}";
    }
}

/// <summary>Passes everything to a real copyset unless a test scripted a fault; records what it saw.</summary>
internal sealed class ScriptedCopyset(ICopyset inner, uint? copysetId = null) : ICopyset
{
    private int _loseReplies;
    private int _slowReplies;

    public ConcurrentQueue<CommandEnvelope> Executed { get; } = new();
    public int Calls;

    /// <summary>When set, every call answers "not the leader" naming this endpoint (or none, if empty).</summary>
    public string? NotLeaderHint { get; set; }

    /// <summary>When set, every call throws it (after nothing was applied).</summary>
    public Exception? Fault { get; set; }

    /// <summary>Delay after applying for slow replies.</summary>
    public TimeSpan SlowReplyDelay { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>The next <paramref name="count"/> commands are applied, then the reply is lost (Unavailable).</summary>
    public void LoseReplies(int count) => _loseReplies = count;

    /// <summary>The next <paramref name="count"/> commands are applied, then answered after <see cref="SlowReplyDelay"/> (past the client's deadline).</summary>
    public void SlowReplies(int count) => _slowReplies = count;

    public uint CopysetId => copysetId ?? inner.CopysetId;

    public CopysetStatus Status => inner.Status with { CopysetId = CopysetId };

    public ValueTask<string> LocalDigestAsync(CancellationToken cancellationToken = default) => inner.LocalDigestAsync(cancellationToken);

    public async ValueTask<MetaResult> ExecuteAsync(CommandEnvelope command, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Calls);
        Check();
        Executed.Enqueue(command);
        var result = await inner.ExecuteAsync(command, cancellationToken);
        if (Interlocked.Decrement(ref _loseReplies) >= 0)
            throw new CopysetUnavailableException("scripted: the reply was lost after the command was applied");
        if (Interlocked.Decrement(ref _slowReplies) >= 0)
            await Task.Delay(SlowReplyDelay, CancellationToken.None);
        return result;
    }

    public ValueTask<T> ReadAsync<T>(Func<CurveFs.MetaServer.Storage.IKvReader, T> query, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Calls);
        Check();
        return inner.ReadAsync(query, cancellationToken);
    }

    public ValueTask SyncAsync(CancellationToken cancellationToken = default) => inner.SyncAsync(cancellationToken);

    private void Check()
    {
        if (NotLeaderHint is { } hint) throw new NotLeaderException(CopysetId, hint.Length == 0 ? null : hint);
        if (Fault is { } fault) throw fault;
    }
}

/// <summary>Collects log lines of every category, for assertions on what was logged.</summary>
internal sealed class CollectingLoggerProvider : ILoggerProvider
{
    public sealed record Line(string Category, LogLevel Level, string Message);

    public ConcurrentQueue<Line> Lines { get; } = new();

    public ILoggerFactory Factory() => LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public string Text(LogLevel atLeast = LogLevel.Trace) =>
        string.Join("\n", Lines.Where(l => l.Level >= atLeast).Select(l => $"{l.Level} {l.Category}: {l.Message}"));

    public void Dispose()
    {
    }

    private sealed class Logger(CollectingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue(new Line(category, logLevel, formatter(state, exception)));
    }
}
