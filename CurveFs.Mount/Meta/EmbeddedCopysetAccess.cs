using CurveFs.Common.Meta;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Partition;
using CurveFs.Mount.Meta.Transactions;

namespace CurveFs.Mount.Meta;

/// <summary>
/// The embedded mode's one in-process copyset seen through <see cref="ICopysetAccess"/>, so the admin tools
/// (fsck, gc) read a data directory exactly as they read a cluster's copysets over RPC.
/// </summary>
public sealed class EmbeddedCopysetAccess(ICopyset copyset) : ICopysetAccess, IInodeLocator
{
    public IReadOnlyList<uint> Copysets => [copyset.CopysetId];

    public ValueTask<MetaResult> ExecuteAsync(uint copysetId, MetaCommand command, CancellationToken cancellationToken = default) =>
        copyset.ExecuteAsync(command, cancellationToken);

    public ValueTask<QueryResult> QueryAsync(uint copysetId, MetaQuery query, CancellationToken cancellationToken = default) =>
        copyset.ReadAsync(kv => QueryExecutor.Run(kv, query), cancellationToken);

    /// <summary>Every inode lives in the one copyset.</summary>
    public uint CopysetOf(ulong ino) => copyset.CopysetId;
}
