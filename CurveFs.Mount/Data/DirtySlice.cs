using System.Buffers;

namespace CurveFs.Mount.Data;

/// <summary>
/// Written bytes of one chunk that are not committed yet: chunk bytes [Pos, Pos + Length), held in a
/// pooled buffer that grows as sequential writes append to it.
/// </summary>
internal sealed class DirtySlice(ulong chunkIndex, uint pos, int capacity)
{
    public ulong ChunkIndex { get; } = chunkIndex;
    public uint Pos { get; } = pos;
    public int Length { get; private set; }
    public byte[] Buffer { get; private set; } = ArrayPool<byte>.Shared.Rent(capacity);
    public uint End => Pos + (uint)Length;

    /// <summary>Writes data at chunk position pos, which must lie within [Pos, End]. Returns how many
    /// bytes the slice grew by.</summary>
    public int Write(uint pos, ReadOnlySpan<byte> data)
    {
        var offset = (int)(pos - Pos);
        var newLength = Math.Max(Length, offset + data.Length);
        if (newLength > Buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(newLength, Buffer.Length * 2));
            Buffer.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = bigger;
        }
        data.CopyTo(Buffer.AsSpan(offset));
        var grown = newLength - Length;
        Length = newLength;
        return grown;
    }

    public ReadOnlySpan<byte> Data => Buffer.AsSpan(0, Length);

    public void Release()
    {
        ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = [];
        Length = 0;
    }
}
