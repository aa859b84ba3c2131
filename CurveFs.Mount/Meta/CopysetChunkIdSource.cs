using CurveFs.Common.Data;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;

namespace CurveFs.Mount.Meta;

/// <summary>
/// Chunk IDs from the counter kept in the filesystem's metadata copyset (AllocateChunkIdsCommand), for
/// clusters whose MDS does not hand them out from etcd yet. The command is numbered like every other,
/// so a retried reservation returns the same range instead of burning another.
/// </summary>
public sealed class CopysetChunkIdSource(IMetaClient meta) : IChunkIdSource
{
    /// <exception cref="FsException">the copyset refused or could not be reached (the errno says which).</exception>
    public async Task<ChunkIdRange> ReserveAsync(ulong count, CancellationToken cancellationToken = default)
    {
        if (count == 0) throw new ArgumentOutOfRangeException(nameof(count));
        var result = await meta.ExecuteAsync(new AllocateChunkIdsCommand { NowNs = Clock.NowNs(), Count = count }, cancellationToken).ConfigureAwait(false);
        if (!result.Ok || result.Value == 0)
            throw new FsException(result.Ok ? Errno.EIO : result.Error, $"reserving {count} chunk IDs from the metadata copyset failed: {(result.Ok ? "it returned ID 0" : result.Error)}");
        return new ChunkIdRange(result.Value, count);
    }
}
