using System.Buffers.Binary;
using CurveFs.Common.Checksums;
using CurveFs.Common.Data;
using CurveFs.Common.Fs;

namespace CurveFs.Mds.ChunkIds;

/// <summary>
/// The embedded mode's chunk-ID counter: a file holding the first ID not yet handed out (uint64 LE +
/// CRC32C). A reservation writes the new value to a temp file, fsyncs it and renames it into place
/// before the range is returned, so IDs are never handed out twice, even after a crash (a crash may
/// skip a range, which is fine).
/// </summary>
public sealed class LocalChunkIdCounter : IChunkIdSource
{
    private readonly string _path;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private ulong _next;

    public LocalChunkIdCounter(string path)
    {
        _path = path;
        _next = File.Exists(path) ? ReadValue(path) : 1;
    }

    /// <summary>The first ID not handed out yet (every ID below it may be in use); gc reads it before listing.</summary>
    public ulong Next => _next;

    public async Task<ChunkIdRange> ReserveAsync(ulong count, CancellationToken cancellationToken = default)
    {
        if (count == 0) throw new ArgumentOutOfRangeException(nameof(count));
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var start = _next;
            WriteValue(start + count);
            _next = start + count;
            return new ChunkIdRange(start, count);
        }
        finally
        {
            _lock.Release();
        }
    }

    private static ulong ReadValue(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != 12 || Crc32C.Compute(bytes.AsSpan(0, 8)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)))
            throw new InvalidDataException($"chunk ID counter {path} is damaged ({bytes.Length} bytes, checksum mismatch). " +
                "Reusing IDs would corrupt data: restore the file, or write a value above every chunk ID in use (see docs/operations.md).");
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    private void WriteValue(ulong value)
    {
        var bytes = new byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), Crc32C.Compute(bytes.AsSpan(0, 8)));
        var temp = _path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, _path, overwrite: true);
        DirectorySync.Fsync(Path.GetDirectoryName(Path.GetFullPath(_path))!);
    }
}
