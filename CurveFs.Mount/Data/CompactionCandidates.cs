using System.Threading.Channels;

namespace CurveFs.Mount.Data;

/// <summary>
/// Chunks (inode, chunk index) that may need compaction, each queued once until taken. Bounded: when
/// full, new candidates are dropped (a later commit or read offers them again).
/// </summary>
internal sealed class CompactionCandidates(int limit = 4096)
{
    private readonly HashSet<(ulong Ino, ulong ChunkIndex)> _queued = [];
    private readonly Channel<(ulong Ino, ulong ChunkIndex)> _channel = Channel.CreateUnbounded<(ulong, ulong)>();

    public int Count
    {
        get { lock (_queued) return _queued.Count; }
    }

    public void Add(ulong ino, ulong chunkIndex)
    {
        lock (_queued)
        {
            if (_queued.Count >= limit || !_queued.Add((ino, chunkIndex))) return;
            _channel.Writer.TryWrite((ino, chunkIndex));
        }
    }

    public async ValueTask<(ulong Ino, ulong ChunkIndex)> TakeAsync(CancellationToken cancellationToken)
    {
        var candidate = await _channel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        lock (_queued) _queued.Remove(candidate);
        return candidate;
    }
}
