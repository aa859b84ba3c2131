using System.Buffers;
using System.Buffers.Binary;

namespace CurveFs.Common.Snapshot;

/// <summary>One pass over a snapshot: checks the structure field by field, computes the CRC32C of the
/// bytes before the checksum, and compares it with the stored one. Every failure is a
/// <see cref="SnapshotCorruptException"/> naming the offset of the field at fault.</summary>
/// <remarks>The handler, when given, sees each pair as it is parsed, i.e. before the checksum has been
/// verified; only <see cref="SnapshotReader"/> calls this, and it never lets unverified pairs escape.</remarks>
internal sealed class SnapshotParser : IDisposable
{
    private const int MiB = 1024 * 1024;

    private readonly ChecksummedInput _input;
    private readonly string _path;
    private readonly SnapshotPairHandler? _handler;
    private byte[] _keyScratch = [];
    private byte[] _valueScratch = [];

    private SnapshotParser(ChecksummedInput input, string path, SnapshotPairHandler? handler)
    {
        _input = input;
        _path = path;
        _handler = handler;
    }

    /// <summary>Parses and verifies <paramref name="length"/> bytes of <paramref name="stream"/> from
    /// its current position, passing each pair to <paramref name="handler"/> (unverified) if given.</summary>
    public static SnapshotInfo Parse(Stream stream, long length, string path, SnapshotPairHandler? handler)
    {
        using var input = new ChecksummedInput(stream, length, path);
        using var parser = new SnapshotParser(input, path, handler);
        (uint version, long count) = parser.ReadHeader();
        return version switch
        {
            1 => parser.ReadVersion1(count),
            _ => throw new InvalidOperationException($"no parser for readable version {version}"),
        };
    }

    public void Dispose()
    {
        Return(ref _keyScratch);
        Return(ref _valueScratch);
    }

    private (uint Version, long Count) ReadHeader()
    {
        long length = _input.Length;
        int available = (int)Math.Min(length, SnapshotFormat.HeaderLength);
        ReadOnlySpan<byte> header = _input.Take(available);
        int magicBytes = Math.Min(available, SnapshotFormat.MagicLength);
        if (!header[..magicBytes].SequenceEqual(SnapshotFormat.Magic[..magicBytes]))
        {
            throw Corrupt(0, SnapshotDefect.NotASnapshot,
                $"the file starts with 0x{Convert.ToHexString(header[..magicBytes])}, not \"CURVEFS\"");
        }
        if (length < SnapshotFormat.HeaderLength)
        {
            throw Corrupt(length, SnapshotDefect.Truncated, length == 0
                ? "the file is empty (torn write)"
                : $"the file is {length} bytes, shorter than the {SnapshotFormat.HeaderLength}-byte header (torn write)");
        }
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[SnapshotFormat.VersionOffset..]);
        if (!SnapshotFormat.IsReadableVersion(version))
        {
            throw Corrupt(SnapshotFormat.VersionOffset, SnapshotDefect.UnsupportedVersion, version == 0
                ? "format version 0 is not a valid version"
                : $"format version {version} is newer than this build reads (up to version {SnapshotFormat.CurrentVersion})");
        }
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(header[SnapshotFormat.PairCountOffset..]);
        if (length < SnapshotFormat.MinimumFileLength)
        {
            throw Corrupt(length, SnapshotDefect.Truncated,
                $"the file is {length} bytes, shorter than the {SnapshotFormat.MinimumFileLength} bytes of an empty snapshot (torn write)");
        }
        long maxPairs = (length - SnapshotFormat.MinimumFileLength) / SnapshotFormat.MinimumPairLength;
        if (count > (ulong)maxPairs)
        {
            throw Corrupt(SnapshotFormat.PairCountOffset, SnapshotDefect.LengthOutOfRange,
                $"pair count {count} cannot fit in a {length}-byte file (each pair takes at least {SnapshotFormat.MinimumPairLength} bytes; damaged count or truncated file)");
        }
        return (version, (long)count);
    }

    private SnapshotInfo ReadVersion1(long count)
    {
        for (long index = 0; index < count; index++)
        {
            ReadPair(index, count, tentative: false);
        }

        long surplus = _input.Remaining - SnapshotFormat.ChecksumLength;
        long end = _input.Position;
        uint computed = _input.Checksum;
        if (surplus == 0)
        {
            uint stored = _input.ReadUInt32();
            if (stored != computed)
            {
                throw Corrupt(end, SnapshotDefect.ChecksumMismatch,
                    $"checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8})");
            }
            return new SnapshotInfo(1, count, _input.Length, stored);
        }

        // Bytes remain after the declared pairs. Tell the likely causes apart for the message.
        if (_input.PeekUInt32() == computed)
        {
            throw Corrupt(end + SnapshotFormat.ChecksumLength, SnapshotDefect.TrailingData,
                $"{surplus} bytes of trailing data after the checksum");
        }
        long extra = 0;
        while (_input.Remaining > SnapshotFormat.ChecksumLength && ReadPair(count + extra, count, tentative: true))
        {
            extra++;
        }
        if (_input.Remaining == SnapshotFormat.ChecksumLength)
        {
            throw Corrupt(SnapshotFormat.PairCountOffset, SnapshotDefect.CountMismatch,
                $"count mismatch: the header declares {count} pairs but the file holds {count + extra}");
        }
        throw Corrupt(end, SnapshotDefect.TrailingData,
            $"{surplus} unexpected bytes after the {count} declared pairs (trailing garbage or a damaged pair count)");
    }

    /// <summary>Reads one pair. In tentative mode (probing surplus bytes) a structural problem returns
    /// false instead of throwing, and the handler is not called.</summary>
    private bool ReadPair(long index, long declared, bool tentative)
    {
        long pairOffset = _input.Position;
        long room = _input.Remaining - SnapshotFormat.ChecksumLength;
        if (room < SnapshotFormat.LengthFieldSize)
        {
            if (tentative)
            {
                return false;
            }
            if (room == 0)
            {
                throw Corrupt(pairOffset, SnapshotDefect.CountMismatch,
                    $"count mismatch: the header declares {declared} pairs but the data ends after {index} (truncated file or damaged count)");
            }
            throw Corrupt(_input.Length, SnapshotDefect.Truncated,
                $"the file ends inside the key length of pair {index + 1} of {declared} (torn write)");
        }

        uint keyLength = _input.ReadUInt32();
        room -= SnapshotFormat.LengthFieldSize;
        if (!CheckLength(keyLength, SnapshotFormat.MaxKeyLength, room - SnapshotFormat.LengthFieldSize,
                "key", index, declared, pairOffset, tentative))
        {
            return false;
        }
        bool deliver = _handler is not null && !tentative;
        if (deliver)
        {
            Grow(ref _keyScratch, (int)keyLength);
            _input.CopyTo(_keyScratch.AsSpan(0, (int)keyLength));
        }
        else
        {
            _input.Skip(keyLength);
        }

        long valueOffset = _input.Position;
        uint valueLength = _input.ReadUInt32();
        room = _input.Remaining - SnapshotFormat.ChecksumLength;
        if (!CheckLength(valueLength, SnapshotFormat.MaxValueLength, room,
                "value", index, declared, valueOffset, tentative))
        {
            return false;
        }
        if (!deliver)
        {
            _input.Skip(valueLength);
            return true;
        }
        ReadOnlySpan<byte> value;
        if (valueLength <= ChecksummedInput.BufferSize)
        {
            value = _input.Take((int)valueLength);
        }
        else
        {
            Grow(ref _valueScratch, (int)valueLength);
            _input.CopyTo(_valueScratch.AsSpan(0, (int)valueLength));
            value = _valueScratch.AsSpan(0, (int)valueLength);
        }
        _handler!(_keyScratch.AsSpan(0, (int)keyLength), value);
        return true;
    }

    private bool CheckLength(uint length, int limit, long room, string field, long index, long declared,
        long offset, bool tentative)
    {
        if (length <= limit && length <= room)
        {
            return true;
        }
        if (tentative)
        {
            return false;
        }
        throw Corrupt(offset, SnapshotDefect.LengthOutOfRange, length > limit
            ? $"{field} length {length} of pair {index + 1} of {declared} exceeds the {limit / MiB} MiB limit"
            : $"{field} length {length} of pair {index + 1} of {declared} runs past the end of the data (room for at most {Math.Max(room, 0)} bytes before the checksum; torn write or damaged length)");
    }

    private SnapshotCorruptException Corrupt(long offset, SnapshotDefect defect, string detail) =>
        new(_path, offset, defect, detail);

    private static void Grow(ref byte[] scratch, int length)
    {
        if (scratch.Length >= length)
        {
            return;
        }
        Return(ref scratch);
        scratch = ArrayPool<byte>.Shared.Rent(length);
    }

    private static void Return(ref byte[] scratch)
    {
        if (scratch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
        scratch = [];
    }
}
