using CurveFs.Common.Meta;

namespace CurveFs.Mount.Data;

/// <summary>Where an <see cref="UploadPiece"/> is on its way to the metadata service.</summary>
internal enum PieceState
{
    Uploading,
    /// <summary>An attempt failed; the next one starts after a backoff, or at once when a flush asks.</summary>
    Failed,
    /// <summary>All blocks are in the object store; waiting for the pieces before it to commit.</summary>
    Uploaded,
}

/// <summary>
/// Sealed dirty slices of one chunk that go up as one piece of data under one chunk ID, then commit
/// as slice records. Pieces of an inode commit in the order they were sealed (write order), so a newer
/// overwrite never commits before the data it shadows. The slices' buffers stay readable (reads overlay
/// them) until the commit, and count against the write budget until then. State fields are guarded by
/// the owning <see cref="InodeWriteBuffer.Lock"/>.
/// </summary>
internal sealed class UploadPiece(ulong chunkIndex, List<DirtySlice> slices)
{
    public ulong ChunkIndex { get; } = chunkIndex;
    /// <summary>In write order.</summary>
    public List<DirtySlice> Slices { get; } = slices;
    public int Length { get; } = slices.Sum(s => s.Length);
    /// <summary>Assigned by the first attempt and kept across retries (the object keys stay the same).</summary>
    public ulong ChunkId { get; set; }
    public PieceState State { get; set; } = PieceState.Uploading;
    public bool Released { get; set; }
    /// <summary>Completes with the outcome of the attempt running now (or the next one while Failed).</summary>
    public TaskCompletionSource<bool> Attempt { get; set; } = NewAttempt();
    /// <summary>Cancels the backoff before a retry: a flush wants the outcome now.</summary>
    public CancellationTokenSource? Backoff { get; set; }

    public static TaskCompletionSource<bool> NewAttempt() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The slice records of this piece: each points at its part of the concatenated data.</summary>
    public IEnumerable<NewSlice> Records()
    {
        var dataOffset = 0u;
        foreach (var slice in Slices)
        {
            yield return new NewSlice(ChunkIndex, new SliceRecord(ChunkId, slice.Pos, (uint)slice.Length, dataOffset, (uint)Length));
            dataOffset += (uint)slice.Length;
        }
    }

    /// <summary>The end offset in the file of the furthest byte of this piece.</summary>
    public ulong EndInFile(ulong chunkSize) => Slices.Max(s => ChunkIndex * chunkSize + s.End);
}
