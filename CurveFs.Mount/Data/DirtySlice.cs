using System.Buffers;

namespace CurveFs.Mount.Data;

/// <summary>
/// Written bytes of one chunk that are not committed yet: chunk bytes [Pos, Pos + Length), held in a
/// pooled buffer that grows as sequential writes append to it, up to <see cref="MaxLength"/> (one block,
/// and never past the chunk's end). A full slice is sealed and uploaded while writes go on.
/// </summary>
internal sealed class DirtySlice(ulong chunkIndex, uint pos, int initialCapacity, int maxLength)
{
    public ulong ChunkIndex { get; } = chunkIndex;
    public uint Pos { get; } = pos;
    public int MaxLength { get; } = maxLength;
    public int Length { get; private set; }
    public byte[] Buffer { get; private set; } = ArrayPool<byte>.Shared.Rent(Math.Min(initialCapacity, maxLength));
    public uint End => Pos + (uint)Length;
    public bool IsFull => Length == MaxLength;

    /// <summary>Writes as much of data as fits at chunk position pos, which must lie within [Pos, End].
    /// Returns how many bytes were taken and how many the slice grew by.</summary>
    public (int Taken, int Grown) Write(uint pos, ReadOnlySpan<byte> data)
    {
        var offset = (int)(pos - Pos);
        var taken = Math.Min(data.Length, MaxLength - offset);
        var newLength = Math.Max(Length, offset + taken);
        if (newLength > Buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(newLength, Buffer.Length * 2), MaxLength));
            Buffer.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = bigger;
        }
        data[..taken].CopyTo(Buffer.AsSpan(offset));
        var grown = newLength - Length;
        Length = newLength;
        return (taken, grown);
    }

    public ReadOnlySpan<byte> Data => Buffer.AsSpan(0, Length);

    public void Release()
    {
        if (Buffer.Length > 0) ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = [];
        Length = 0;
    }
}
