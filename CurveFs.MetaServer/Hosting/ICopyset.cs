using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Hosting;

/// <summary>
/// A copyset as its users see it, whatever keeps it durable (the embedded log, or Raft): commands go
/// through <see cref="ExecuteAsync"/> and are applied in one order on every replica; queries see every
/// change that completed before they started (linearizable).
/// A replica that is not the leader throws <see cref="NotLeaderException"/>; a replica that cannot
/// serve (its log failed, its snapshot is damaged) throws <see cref="CopysetUnavailableException"/>.
/// </summary>
public interface ICopyset
{
    uint CopysetId { get; }

    /// <summary>Replicates and applies a command; returns once it is applied on the leader.</summary>
    ValueTask<MetaResult> ExecuteAsync(CommandEnvelope command, CancellationToken cancellationToken = default);

    /// <summary>Runs a read-only query against state that includes every command completed before the call.</summary>
    ValueTask<T> ReadAsync<T>(Func<IKvReader, T> query, CancellationToken cancellationToken = default);

    /// <summary>Makes every completed command durable on disk (Raft: already true on a majority).</summary>
    ValueTask SyncAsync(CancellationToken cancellationToken = default);

    /// <summary>What this replica is doing now.</summary>
    CopysetStatus Status { get; }

    /// <summary>A digest of this replica's applied state, read locally without a barrier: replicas that
    /// applied the same entries give the same digest (tests and operators compare them).</summary>
    ValueTask<string> LocalDigestAsync(CancellationToken cancellationToken = default);
}

/// <summary>This replica is not the leader; <see cref="LeaderEndpoint"/> names the one it believes leads (RPC address), if any.</summary>
public sealed class NotLeaderException(uint copysetId, string? leaderEndpoint)
    : Exception($"copyset {copysetId}: not the leader{(leaderEndpoint is null ? " (no leader known yet)" : $", try {leaderEndpoint}")}")
{
    public uint CopysetId { get; } = copysetId;
    public string? LeaderEndpoint { get; } = leaderEndpoint;
}

/// <summary>The replica cannot serve at all (damaged snapshot, failed log); the message says why and what to do.</summary>
public sealed class CopysetUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Executes unnumbered commands (the embedded mode, internal maintenance).</summary>
public static class CopysetExtensions
{
    public static ValueTask<MetaResult> ExecuteAsync(this ICopyset copyset, MetaCommand command, CancellationToken cancellationToken = default) =>
        copyset.ExecuteAsync(CommandEnvelope.Unnumbered(command), cancellationToken);
}
