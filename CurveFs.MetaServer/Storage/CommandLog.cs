using System.Buffers.Binary;
using CurveFs.Common.Checksums;

namespace CurveFs.MetaServer.Storage;

/// <summary>A log file is damaged somewhere other than its torn tail: it is refused, never half-applied.</summary>
public sealed class CommandLogCorruptException(string message) : Exception(message);

/// <summary>
/// The embedded copyset's append-only log of applied commands. Record layout (little-endian):
/// <code>
/// uint32 length   bytes of seq + payload
/// uint32 crc32c   of seq + payload
/// uint64 seq      the command's sequence number (strictly increasing)
/// bytes  payload  the MessagePack-encoded command
/// </code>
/// A record is written with one write(2), so a killed process leaves the OS every record it
/// acknowledged; <see cref="Sync"/> (fsync) makes them survive a machine crash too. On open, a torn
/// last record (a crash in the middle of an append) is cut off; damage before the last record is
/// reported as <see cref="CommandLogCorruptException"/>.
/// </summary>
public sealed class CommandLog : IDisposable
{
    private const int HeaderSize = 16;
    /// <summary>Larger records are damage, not data (no command comes near this).</summary>
    private const int MaxRecord = 256 << 20;
    private readonly FileStream _file;

    private CommandLog(FileStream file) => _file = file;

    public string Path => _file.Name;
    public long Length => _file.Length;

    /// <summary>Reads every intact record of a log file (cutting a torn tail off) and opens it for appending.</summary>
    public static CommandLog Open(string path, Action<ulong, ReadOnlyMemory<byte>> replay, Action<string>? warn = null)
    {
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        try
        {
            var good = ReadRecords(file, path, replay, warn);
            if (good < file.Length)
            {
                warn?.Invoke($"log {path}: cutting {file.Length - good} bytes of a torn last record at offset {good}");
                file.SetLength(good);
                file.Flush(flushToDisk: true);
            }
            file.Seek(0, SeekOrigin.End);
            return new CommandLog(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Replays the records of a log file without opening it for writing.</summary>
    public static void ReplayFile(string path, Action<ulong, ReadOnlyMemory<byte>> replay, Action<string>? warn = null)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var good = ReadRecords(file, path, replay, warn);
        if (good < file.Length) warn?.Invoke($"log {path}: ignoring {file.Length - good} bytes of a torn last record at offset {good}");
    }

    /// <summary>Returns the offset after the last intact record.</summary>
    private static long ReadRecords(FileStream file, string path, Action<ulong, ReadOnlyMemory<byte>> replay, Action<string>? warn)
    {
        var length = file.Length;
        var header = new byte[HeaderSize];
        long offset = 0;
        ulong lastSeq = 0;
        file.Seek(0, SeekOrigin.Begin);
        while (offset < length)
        {
            if (length - offset < HeaderSize) return offset; // torn header
            file.ReadExactly(header);
            var recordLength = BinaryPrimitives.ReadUInt32LittleEndian(header);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            if (recordLength < 8 || recordLength > MaxRecord)
            {
                if (offset + HeaderSize >= length) return offset;
                throw new CommandLogCorruptException($"log {path}: impossible record length {recordLength} at offset {offset}; the log is damaged. Move it away to start from the last snapshot (changes after it are lost).");
            }
            var end = offset + 8 + recordLength;
            if (end > length) return offset; // torn: the record runs past the end of the file
            var body = new byte[recordLength];
            body.AsSpan(0, 8).Clear();
            header.AsSpan(8, 8).CopyTo(body);
            file.ReadExactly(body.AsSpan(8));
            var computed = Crc32C.Compute(body);
            if (computed != crc)
            {
                if (end == length) return offset; // the last record, half written
                throw new CommandLogCorruptException($"log {path}: checksum mismatch in the record at offset {offset} (stored 0x{crc:X8}, computed 0x{computed:X8}) with more records after it; the log is damaged. Move it away to start from the last snapshot (changes after it are lost).");
            }
            var seq = BinaryPrimitives.ReadUInt64LittleEndian(body);
            if (seq <= lastSeq)
                throw new CommandLogCorruptException($"log {path}: sequence {seq} after {lastSeq} at offset {offset}; the log is damaged.");
            lastSeq = seq;
            replay(seq, body.AsMemory(8));
            offset = end;
        }
        return offset;
    }

    /// <summary>Appends one record with a single write.</summary>
    public void Append(ulong seq, ReadOnlySpan<byte> payload)
    {
        var record = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(8 + payload.Length));
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(8), seq);
        payload.CopyTo(record.AsSpan(HeaderSize));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32C.Compute(record.AsSpan(8)));
        _file.Write(record);
    }

    /// <summary>fsync: every appended record survives a machine crash.</summary>
    public void Sync() => _file.Flush(flushToDisk: true);

    public void Dispose() => _file.Dispose();
}
