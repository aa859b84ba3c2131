using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CurveFs.Common.Checksums;
using Microsoft.Win32.SafeHandles;

namespace CurveFs.Mount.Data.DiskCache;

/// <summary>
/// One cached block on disk, and where it lives.
/// <code>
/// {fan-out}/{name}.blk   the block's bytes, then an 8-byte trailer:
///                        CRC32C(block bytes, then the object key in UTF-8) as uint32 LE, then "CFDC"
/// {fan-out}/{name}.tmp   being written (renamed to .blk when complete); left over by a crash, deleted at open
/// </code>
/// fan-out: two hex digits of CRC32C(key), 256 directories. name: the object key with every byte outside
/// [A-Za-z0-9._-] written as %XX (so "1/2a/1_42_7_0_0" is "1%2F2a%2F1_42_7_0_0"); a name longer than
/// <see cref="MaxNameLength"/> is "h-" + SHA-256 of the key. The key is inside the checksum, so a file
/// can only ever be served for the key it was written for. Files are renamed into place whole, without
/// fsync: after a crash a file is complete or fails its checksum.
/// </summary>
internal static class DiskCacheFile
{
    public const string Extension = ".blk";
    public const string TempExtension = ".tmp";
    public const int TrailerLength = 8;
    private const uint Magic = 0x43444643; // "CFDC" read as uint32 LE
    private const int MaxNameLength = 200;

    /// <summary>The file of <paramref name="key"/>, relative to the filesystem's cache directory.</summary>
    public static string RelativePath(string key)
    {
        var utf8 = Encoding.UTF8.GetBytes(key);
        var fanOut = (Crc32C.Compute(utf8) & 0xFF).ToString("x2");
        var name = new StringBuilder(utf8.Length + 8);
        foreach (var b in utf8)
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'.' or (byte)'_' or (byte)'-') name.Append((char)b);
            else name.Append('%').Append(b.ToString("X2"));
        }
        var fileName = name.Length <= MaxNameLength ? name.ToString() : "h-" + Convert.ToHexStringLower(SHA256.HashData(utf8));
        return Path.Combine(fanOut, fileName + Extension);
    }

    /// <summary>The trailer checksum: binds the bytes to the key.</summary>
    private static uint Checksum(ReadOnlySpan<byte> data, string key) =>
        Crc32C.Append(Crc32C.Compute(data), Encoding.UTF8.GetBytes(key));

    /// <summary>Writes the block to a temporary file beside <paramref name="path"/> and renames it into place.</summary>
    public static async Task WriteAsync(string path, string key, byte[] data)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.ChangeExtension(path, null) + "." + Environment.ProcessId + TempExtension;
        var trailer = new byte[TrailerLength];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Checksum(data, key));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), Magic);
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.None, data.Length + TrailerLength))
            {
                await RandomAccess.WriteAsync(handle, data, 0).ConfigureAwait(false);
                await RandomAccess.WriteAsync(handle, trailer, data.Length).ConfigureAwait(false);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public enum ReadStatus { Ok, Missing, Corrupt }

    /// <summary>Reads and verifies the block of <paramref name="key"/>: Corrupt when the file has the wrong
    /// length or fails its checksum (a torn write, a flipped bit, a file of another key).</summary>
    public static async Task<(ReadStatus Status, byte[]? Data)> ReadAsync(string path, string key, int length)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (ReadStatus.Missing, null);
        }
        using (handle)
        {
            if (RandomAccess.GetLength(handle) != (long)length + TrailerLength) return (ReadStatus.Corrupt, null);
            var data = new byte[length];
            var trailer = new byte[TrailerLength];
            var read = await ReadFullyAsync(handle, data, 0).ConfigureAwait(false);
            read += await ReadFullyAsync(handle, trailer, length).ConfigureAwait(false);
            if (read != length + TrailerLength
                || BinaryPrimitives.ReadUInt32LittleEndian(trailer.AsSpan(4)) != Magic
                || BinaryPrimitives.ReadUInt32LittleEndian(trailer) != Checksum(data, key))
                return (ReadStatus.Corrupt, null);
            return (ReadStatus.Ok, data);
        }
    }

    private static async Task<int> ReadFullyAsync(SafeFileHandle handle, Memory<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await RandomAccess.ReadAsync(handle, buffer[total..], offset + total).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Deletes a file; false when it could not be (it is gone already, or the disk refuses).</summary>
    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
