using System.Buffers;
using System.Buffers.Binary;
using CurveFs.Common.Checksums;

namespace CurveFs.Common.Snapshot;

/// <summary>A read buffer over a stream of known length that keeps the CRC32C of every byte consumed.
/// Bytes are checksummed in runs when they leave the buffer, so the CRC at any moment covers exactly
/// the bytes before <see cref="Position"/>; peeked bytes are not included until consumed.</summary>
/// <remarks>Callers check lengths against <see cref="Remaining"/> before reading; running out of data
/// anyway means the file shrank while being read.</remarks>
internal sealed class ChecksummedInput : IDisposable
{
    internal const int BufferSize = 128 * 1024;

    private readonly Stream _stream;
    private readonly string _path;
    private byte[] _buffer;
    private int _start;    // first unread byte in _buffer
    private int _end;      // end of valid data in _buffer
    private int _checked;  // _buffer[0.._checked) is already in _crc
    private long _origin;  // file offset of _buffer[0]
    private uint _crc;

    public ChecksummedInput(Stream stream, long length, string path)
    {
        _stream = stream;
        _path = path;
        Length = length;
        _origin = stream.Position;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>Length of the data, fixed when reading started.</summary>
    public long Length { get; }

    public long Position => _origin + _start;

    public long Remaining => Length - Position;

    /// <summary>CRC32C of every byte consumed so far.</summary>
    public uint Checksum
    {
        get
        {
            Absorb();
            return _crc;
        }
    }

    /// <summary>Consumes <paramref name="count"/> bytes (at most <see cref="BufferSize"/>) and returns
    /// them; the span is valid until the next call.</summary>
    public ReadOnlySpan<byte> Take(int count)
    {
        Ensure(count);
        ReadOnlySpan<byte> taken = _buffer.AsSpan(_start, count);
        _start += count;
        return taken;
    }

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(sizeof(uint)));

    public uint PeekUInt32()
    {
        Ensure(sizeof(uint));
        return BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
    }

    public void CopyTo(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int chunk = Math.Min(destination.Length, BufferSize);
            Take(chunk).CopyTo(destination);
            destination = destination[chunk..];
        }
    }

    public void Skip(long count)
    {
        while (count > 0)
        {
            int chunk = (int)Math.Min(count, BufferSize);
            Take(chunk);
            count -= chunk;
        }
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Absorb()
    {
        if (_start > _checked)
        {
            _crc = Crc32C.Append(_crc, _buffer.AsSpan(_checked, _start - _checked));
            _checked = _start;
        }
    }

    private void Ensure(int count)
    {
        if (_end - _start >= count)
        {
            return;
        }
        Absorb();
        int unread = _end - _start;
        _buffer.AsSpan(_start, unread).CopyTo(_buffer);
        _origin += _start;
        _start = 0;
        _checked = 0;
        _end = unread;
        while (_end < count)
        {
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                throw new SnapshotCorruptException(_path, _origin + _end, SnapshotDefect.Truncated,
                    $"the file shrank while being read (it was {Length} bytes when opened)");
            }
            _end += read;
        }
    }
}
