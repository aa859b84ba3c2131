using CurveFs.Common.Meta;

namespace CurveFs.Mount.Meta.Transactions;

/// <summary>How the transaction coordinator reaches copysets: one command or query to one copyset.
/// The cluster client implements it over RPC (numbering every command); tests over in-memory states.</summary>
public interface ICopysetAccess
{
    ValueTask<MetaResult> ExecuteAsync(uint copysetId, MetaCommand command, CancellationToken cancellationToken = default);
    ValueTask<QueryResult> QueryAsync(uint copysetId, MetaQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Which copyset holds an inode (through the partition of its ID).</summary>
public interface IInodeLocator
{
    uint CopysetOf(ulong ino);
}
