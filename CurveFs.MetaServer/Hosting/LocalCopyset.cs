using System.Buffers.Binary;
using System.Text;
using CurveFs.Common.Meta;
using CurveFs.Common.Snapshot;
using CurveFs.MetaServer.Partition;
using CurveFs.MetaServer.Storage;
using Microsoft.Extensions.Logging;

namespace CurveFs.MetaServer.Hosting;

/// <summary>Settings of an embedded copyset.</summary>
public sealed record LocalCopysetOptions
{
    /// <summary>Take a snapshot (and start a new log) once the log grows past this many bytes.</summary>
    public long SnapshotThresholdBytes { get; init; } = 64L << 20;

    /// <summary>The copyset's ID (1 in the embedded mode).</summary>
    public uint CopysetId { get; init; } = 1;
}

/// <summary>
/// A single-member copyset for the embedded mode: the state machine in memory, made durable by a
/// command log and snapshots in one directory:
/// <code>
/// snapshot   CURVEFS snapshot of the KV state, plus the pair "~applied" = last applied seq (uint64 LE)
/// log        CommandEnvelopes applied after the snapshot (see <see cref="CommandLog"/>)
/// log.old    the previous log while a snapshot of it is being written
/// </code>
/// Start-up loads the snapshot, then replays log.old and log (skipping what the snapshot covers).
/// Every command completes only after its log record is written, so a kill -9 loses nothing that was
/// acknowledged; <see cref="SyncAsync"/> makes it survive a machine crash as well.
/// </summary>
public sealed class LocalCopyset : ICopyset, IDisposable
{
    /// <summary>The reserved snapshot key holding the last applied sequence number (never a metadata key: '~' sorts after every prefix).</summary>
    public static readonly byte[] AppliedKey = Encoding.ASCII.GetBytes("~applied");

    private readonly CopysetState _state = new();
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly string _directory;
    private readonly LocalCopysetOptions _options;
    private readonly ILogger _logger;
    private CommandLog _log = null!;
    private ulong _seq;
    private Task _snapshot = Task.CompletedTask;

    private LocalCopyset(string directory, LocalCopysetOptions options, ILogger logger)
    {
        _directory = directory;
        _options = options;
        _logger = logger;
    }

    private string SnapshotPath => Path.Combine(_directory, "snapshot");
    private string LogPath => Path.Combine(_directory, "log");
    private string OldLogPath => Path.Combine(_directory, "log.old");

    /// <summary>Last applied sequence number.</summary>
    public ulong AppliedSeq => _seq;

    /// <summary>Loads a copyset from its directory (creating it when empty).</summary>
    /// <exception cref="SnapshotCorruptException">the snapshot is damaged.</exception>
    /// <exception cref="CommandLogCorruptException">a log is damaged before its last record.</exception>
    public static LocalCopyset Open(string directory, LocalCopysetOptions options, ILogger logger)
    {
        Directory.CreateDirectory(directory);
        var copyset = new LocalCopyset(directory, options, logger);
        copyset.Recover();
        return copyset;
    }

    private void Recover()
    {
        if (File.Exists(SnapshotPath))
        {
            var pairs = SnapshotReader.ReadAll(SnapshotPath);
            _state.Load(pairs.Where(p => !p.Key.AsSpan().SequenceEqual(AppliedKey)).Select(p => new KeyValuePair<byte[], byte[]>(p.Key, p.Value)));
            var applied = pairs.FirstOrDefault(p => p.Key.AsSpan().SequenceEqual(AppliedKey)).Value;
            _seq = applied is { Length: 8 } ? BinaryPrimitives.ReadUInt64LittleEndian(applied) : 0;
            _logger.LogInformation("loaded snapshot {Path}: {Count} keys up to seq {Seq}", SnapshotPath, _state.Store.Count, _seq);
        }
        var replayed = 0;
        void Replay(ulong seq, ReadOnlyMemory<byte> payload)
        {
            if (seq <= _seq) return;
            var envelope = MetaCodec.Decode<CommandEnvelope>(payload);
            var (result, _) = _state.Apply(envelope);
            if (!result.Ok && envelope.ClientId == 0)
                _logger.LogWarning("replaying seq {Seq} ({Command}) gave {Errno}; it succeeded when logged", seq, envelope.Command.GetType().Name, result.Error);
            _seq = seq;
            replayed++;
        }
        var hadOldLog = File.Exists(OldLogPath);
        if (hadOldLog) CommandLog.ReplayFile(OldLogPath, Replay, w => _logger.LogWarning("{Warning}", w));
        _log = CommandLog.Open(LogPath, Replay, w => _logger.LogWarning("{Warning}", w));
        if (replayed > 0) _logger.LogInformation("replayed {Count} logged commands, now at seq {Seq}", replayed, _seq);
        if (hadOldLog) TakeSnapshot(wait: true);
    }

    public uint CopysetId => _options.CopysetId;

    public CopysetStatus Status => new(CopysetId, CopysetRole.Leader, null, 0, (long)_seq, (long)_seq);

    public ValueTask<MetaResult> ExecuteAsync(CommandEnvelope command, CancellationToken cancellationToken = default)
    {
        var payload = MetaCodec.Encode(command);
        MetaResult result;
        _lock.EnterWriteLock();
        try
        {
            var next = _seq + 1;
            (result, var changed) = _state.Apply(command, () => _log.Append(next, payload));
            if (changed) _seq = next;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
        if (_log.Length > _options.SnapshotThresholdBytes && _snapshot.IsCompleted) TakeSnapshot(wait: false);
        return ValueTask.FromResult(result);
    }

    public ValueTask<T> ReadAsync<T>(Func<IKvReader, T> query, CancellationToken cancellationToken = default)
    {
        _lock.EnterReadLock();
        try
        {
            return ValueTask.FromResult(query(_state.Store));
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public ValueTask<string> LocalDigestAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(QueryExecutor.Digest, cancellationToken);

    public ValueTask SyncAsync(CancellationToken cancellationToken = default)
    {
        _lock.EnterReadLock();
        try
        {
            _log.Sync();
        }
        finally
        {
            _lock.ExitReadLock();
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes a snapshot of the current state and drops the log it covers. The state is copied
    /// under the lock (values are immutable, so the copy is cheap); the file is written outside it.</summary>
    public void TakeSnapshot(bool wait)
    {
        KeyValuePair<byte[], byte[]>[] pairs;
        ulong seq;
        _lock.EnterWriteLock();
        try
        {
            if (!_snapshot.IsCompleted && !wait) return;
            _snapshot.GetAwaiter().GetResult();
            pairs = _state.Store.CopyPairs();
            seq = _seq;
            _log.Sync();
            _log.Dispose();
            if (File.Exists(OldLogPath)) File.Delete(OldLogPath); // only when the snapshot covering it is done
            File.Move(LogPath, OldLogPath);
            _log = CommandLog.Open(LogPath, (_, _) => { });
        }
        finally
        {
            _lock.ExitWriteLock();
        }
        _snapshot = Task.Run(() => WriteSnapshot(pairs, seq));
        if (wait) _snapshot.GetAwaiter().GetResult();
    }

    private void WriteSnapshot(KeyValuePair<byte[], byte[]>[] pairs, ulong seq)
    {
        try
        {
            var applied = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(applied, seq);
            var all = pairs.Select(p => new KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>(p.Key, p.Value))
                .Append(new(AppliedKey, applied));
            var info = SnapshotWriter.Write(SnapshotPath, pairs.Length + 1, all);
            File.Delete(OldLogPath);
            _logger.LogInformation("snapshot {Path} written up to seq {Seq}: {Info}", SnapshotPath, seq, info);
        }
        catch (Exception e)
        {
            // log.old stays, so nothing is lost: the next start replays it.
            _logger.LogError(e, "writing snapshot {Path} failed: {Message}", SnapshotPath, e.Message);
        }
    }

    public void Dispose()
    {
        _snapshot.GetAwaiter().GetResult();
        _log.Sync();
        _log.Dispose();
        _lock.Dispose();
    }
}
