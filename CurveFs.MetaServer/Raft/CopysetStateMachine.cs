using System.Buffers;
using System.IO.Pipelines;
using CurveFs.Common.Meta;
using CurveFs.Common.Snapshot;
using CurveFs.MetaServer.Partition;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace CurveFs.MetaServer.Raft;

/// <summary>Carries a command's result from the apply on the leader back to the replicating caller
/// (DotNext hands the context object of ReplicateAsync to ApplyAsync on the leader only).</summary>
internal sealed class ApplyContext
{
    public MetaResult? Result;
}

/// <summary>
/// The copyset state as DotNext's <see cref="SimpleStateMachine"/>: log entries are MessagePack
/// <see cref="CommandEnvelope"/>s applied in log order; snapshots are CURVEFS snapshot files (the whole
/// KV state) that DotNext keeps in <c>snapshots/{index}-{term}</c> and streams to lagging followers.
/// </summary>
/// <remarks>
/// DotNext calls ApplyAsync sequentially; PersistAsync runs in the background after an apply asked for a
/// snapshot, and the next apply waits for it. Readers take <see cref="Lock"/> for reading; apply and
/// restore take it for writing.
/// </remarks>
internal sealed class CopysetStateMachine : SimpleStateMachine
{
    private readonly CopysetState _state;
    private readonly long _threshold;
    private readonly ILogger _logger;
    private readonly Action<string, Exception> _onFatal;
    private long _lastSnapshotIndex;
    private long _appliedIndex;

    public CopysetStateMachine(DirectoryInfo snapshotDirectory, CopysetState state, long threshold, ILogger logger, Action<string, Exception> onFatal)
        : base(snapshotDirectory)
    {
        SnapshotDirectory = snapshotDirectory;
        _state = state;
        _threshold = threshold;
        _logger = logger;
        _onFatal = onFatal;
    }

    public ReaderWriterLockSlim Lock { get; } = new();

    public DirectoryInfo SnapshotDirectory { get; }

    /// <summary>Index of the last log entry reflected in the state (applied, or covered by a loaded snapshot).</summary>
    public long AppliedIndex => Volatile.Read(ref _appliedIndex);

    /// <summary>Set once the start-up restore is done: later restores are snapshots installed by the leader.</summary>
    public bool Serving { get; set; }

    /// <summary>The file of the snapshot being loaded, while <see cref="SimpleStateMachine.RestoreAsync(CancellationToken)"/> runs.</summary>
    public string? RestoringFile { get; private set; }

    /// <summary>Verifies a CURVEFS snapshot (on start, or one just received from the leader) and replaces
    /// the state with it. Nothing is loaded from a damaged file: <see cref="SnapshotCorruptException"/>.</summary>
    protected override ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        RestoringFile = snapshotFile.FullName;
        IReadOnlyList<(byte[] Key, byte[] Value)> pairs;
        try
        {
            pairs = SnapshotReader.ReadAll(snapshotFile.FullName);
        }
        catch (SnapshotCorruptException e) when (Serving)
        {
            // A snapshot from the leader arrived damaged. The state is untouched, but DotNext already kept
            // the file as this replica's newest snapshot: stop serving rather than build on it.
            _onFatal($"the snapshot received from the leader is damaged: {e.Message}", e);
            throw;
        }
        var index = IndexOf(snapshotFile);
        Lock.EnterWriteLock();
        try
        {
            _state.Load(pairs.Select(p => new KeyValuePair<byte[], byte[]>(p.Key, p.Value)));
            Volatile.Write(ref _appliedIndex, index);
            _lastSnapshotIndex = index;
        }
        finally
        {
            Lock.ExitWriteLock();
        }
        RestoringFile = null;
        _logger.LogInformation("loaded snapshot {Path}: {Count} keys up to log index {Index}", snapshotFile.FullName, pairs.Count, index);
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes the whole state in the CURVEFS snapshot format into DotNext's snapshot writer. The
    /// pairs are copied under the read lock (values are immutable arrays, so this is cheap); the
    /// encoding runs on a dedicated thread and streams through a pipe.</summary>
    protected override async ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token)
    {
        KeyValuePair<byte[], byte[]>[] pairs;
        Lock.EnterReadLock();
        try
        {
            pairs = _state.Store.CopyPairs();
        }
        finally
        {
            Lock.ExitReadLock();
        }

        // The encoder blocks on the pipe when the writer falls behind: give it its own thread. On a pool
        // thread, two replicas snapshotting at once starved the pool on 2 cores for ~1 s, long enough to
        // time out heartbeats and depose the leader.
        var pipe = new Pipe();
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                using var stream = pipe.Writer.AsStream();
                SnapshotWriter.WriteTo(stream, pairs.Length,
                    pairs.Select(p => new KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>(p.Key, p.Value)));
            }
            catch (Exception e)
            {
                pipe.Writer.Complete(e);
                throw;
            }
        }, token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await writer.CopyFromAsync(pipe.Reader, count: null, token).ConfigureAwait(false);
        await producer.ConfigureAwait(false);
        await pipe.Reader.CompleteAsync().ConfigureAwait(false);
        _logger.LogInformation("snapshot of {Count} keys written at log index {Index}", pairs.Length, AppliedIndex);
    }

    protected override ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        var index = entry.Index;
        if (!entry.IsConfiguration && entry.TryGetPayload(out var payload) && !payload.IsEmpty)
        {
            CommandEnvelope? envelope = null;
            try
            {
                envelope = MessagePackSerializer.Deserialize<CommandEnvelope>(payload, MetaCodec.Options, token);
                MetaResult result;
                Lock.EnterWriteLock();
                try
                {
                    (result, _) = _state.Apply(envelope);
                    Volatile.Write(ref _appliedIndex, index);
                }
                finally
                {
                    Lock.ExitWriteLock();
                }
                if (entry.Context is ApplyContext context) context.Result = result;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A deterministic state machine never throws; if it does, serving on would diverge from the
                // other replicas. Stop here (the WAL halts its applier on this exception) and report.
                var what = envelope is null ? "an undecodable command" : $"{envelope.Command?.GetType().Name} (client {envelope.ClientId}, seq {envelope.Seq})";
                _onFatal($"applying log entry {index} ({what}) threw {e.GetType().Name}: {e.Message}", e);
                throw;
            }
        }
        else
        {
            Volatile.Write(ref _appliedIndex, index);
        }

        if (index - _lastSnapshotIndex < _threshold) return ValueTask.FromResult(false);
        _lastSnapshotIndex = index;
        return ValueTask.FromResult(true);
    }

    /// <summary>DotNext names snapshot files "{index}-{term}".</summary>
    internal static long IndexOf(FileInfo snapshotFile)
    {
        var name = snapshotFile.Name;
        var dash = name.IndexOf('-');
        return dash > 0 && long.TryParse(name.AsSpan(0, dash), out var index) ? index : 0;
    }
}
