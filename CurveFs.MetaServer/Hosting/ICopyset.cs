using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Hosting;

/// <summary>
/// A copyset as its users see it, whatever keeps it durable (the embedded log, or Raft): commands go
/// through <see cref="ExecuteAsync"/> and are applied in one order; queries see every change that
/// completed before they started.
/// </summary>
public interface ICopyset
{
    ValueTask<MetaResult> ExecuteAsync(MetaCommand command, CancellationToken cancellationToken = default);

    /// <summary>Runs a read-only query against the current state.</summary>
    ValueTask<T> ReadAsync<T>(Func<IKvReader, T> query, CancellationToken cancellationToken = default);

    /// <summary>Makes every completed command durable on disk.</summary>
    ValueTask SyncAsync(CancellationToken cancellationToken = default);
}
