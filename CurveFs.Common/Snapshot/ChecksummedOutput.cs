using System.Buffers;
using System.Buffers.Binary;
using CurveFs.Common.Checksums;

namespace CurveFs.Common.Snapshot;

/// <summary>A write buffer in front of a stream that keeps the CRC32C of everything written through
/// it. The CRC is taken over whole buffers at flush time, so small fields cost a copy, not a call.</summary>
internal sealed class ChecksummedOutput : IDisposable
{
    internal const int BufferSize = 128 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _used;
    private long _flushed;
    private uint _crc;

    public ChecksummedOutput(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>Bytes written so far, buffered ones included.</summary>
    public long Position => _flushed + _used;

    public void WriteUInt32(uint value)
    {
        EnsureSpace(sizeof(uint));
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_used), value);
        _used += sizeof(uint);
    }

    public void WriteUInt64(ulong value)
    {
        EnsureSpace(sizeof(ulong));
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_used), value);
        _used += sizeof(ulong);
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (data.Length <= _buffer.Length - _used)
        {
            data.CopyTo(_buffer.AsSpan(_used));
            _used += data.Length;
            return;
        }
        Flush();
        if (data.Length >= _buffer.Length)
        {
            // Large values go straight to the stream instead of through the buffer.
            _crc = Crc32C.Append(_crc, data);
            _stream.Write(data);
            _flushed += data.Length;
            return;
        }
        data.CopyTo(_buffer);
        _used = data.Length;
    }

    /// <summary>Writes the CRC32C of every byte written so far (not covering itself), flushes
    /// everything to the stream and returns the checksum.</summary>
    public uint WriteChecksum()
    {
        Flush();
        uint checksum = _crc;
        Span<byte> field = stackalloc byte[SnapshotFormat.ChecksumLength];
        BinaryPrimitives.WriteUInt32LittleEndian(field, checksum);
        _stream.Write(field);
        _flushed += field.Length;
        return checksum;
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

    private void EnsureSpace(int bytes)
    {
        if (_buffer.Length - _used < bytes)
        {
            Flush();
        }
    }

    private void Flush()
    {
        if (_used == 0)
        {
            return;
        }
        ReadOnlySpan<byte> pending = _buffer.AsSpan(0, _used);
        _crc = Crc32C.Append(_crc, pending);
        _stream.Write(pending);
        _flushed += _used;
        _used = 0;
    }
}
