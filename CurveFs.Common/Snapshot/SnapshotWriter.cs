using CurveFs.Common.Fs;
namespace CurveFs.Common.Snapshot;

/// <summary>
/// Writes CurveFs snapshot files (format: <see cref="SnapshotFormat"/>).
/// </summary>
/// <remarks>
/// <see cref="Write(string, long, IEnumerable{KeyValuePair{ReadOnlyMemory{byte}, ReadOnlyMemory{byte}}})"/>
/// is crash-safe: it writes PATH.tmp in the same directory, fsyncs it, renames it over PATH and fsyncs
/// the directory, so PATH always holds either the old or the new complete snapshot. On any failure the
/// temp file is removed and PATH is untouched. Only one writer per PATH at a time (the temp file is
/// opened exclusively; a second concurrent writer fails to open it).
/// <para>The pair count goes into the header before the pairs, so the caller passes it up front; if the
/// enumeration yields a different number of pairs the write fails.</para>
/// </remarks>
public static class SnapshotWriter
{
    /// <summary>Atomically replaces <paramref name="path"/> with a snapshot of <paramref name="pairs"/>.</summary>
    /// <param name="path">Target file; its directory must exist.</param>
    /// <param name="count">Exact number of pairs <paramref name="pairs"/> will yield.</param>
    /// <param name="pairs">Enumerated once, in the order to store (normally key order).</param>
    /// <exception cref="ArgumentException">The enumeration yielded a different number of pairs, or a
    /// key or value is longer than 64 MiB. Nothing was written.</exception>
    /// <exception cref="IOException">Writing, fsync or rename failed. Nothing was written; if only the
    /// final directory fsync failed, the new file is in place but may not survive a power loss.</exception>
    public static SnapshotInfo Write(string path, long count,
        IEnumerable<KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>> pairs)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(pairs);

        string fullPath = System.IO.Path.GetFullPath(path);
        string directory = System.IO.Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"snapshot path {path} has no directory", nameof(path));
        string tempPath = fullPath + SnapshotFormat.TempSuffix;

        // Opened outside the cleanup block: if this fails, the temp file may be another writer's.
        var file = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        SnapshotInfo info;
        try
        {
            using (file)
            {
                info = WriteTo(file, count, pairs);
                file.Flush(flushToDisk: true);
            }
            File.Move(tempPath, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
        DirectorySync.Fsync(directory);
        return info;
    }

    /// <summary>Convenience overload for in-memory pairs; see the main overload.</summary>
    public static SnapshotInfo Write(string path, IReadOnlyCollection<(byte[] Key, byte[] Value)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        return Write(path, pairs.Count, AsMemoryPairs(pairs));
    }

    /// <summary>Writes the snapshot format to <paramref name="destination"/> at its current position,
    /// with no temp file, fsync or rename (for callers that manage durability themselves, e.g. a Raft
    /// library's own snapshot stream). On failure the stream holds a partial snapshot that readers
    /// reject.</summary>
    /// <returns>The summary; FileSize is the number of bytes written.</returns>
    public static SnapshotInfo WriteTo(Stream destination, long count,
        IEnumerable<KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>> pairs)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(pairs);

        using var output = new ChecksummedOutput(destination);
        output.Write(SnapshotFormat.Magic);
        output.WriteUInt32(SnapshotFormat.CurrentVersion);
        output.WriteUInt64((ulong)count);

        long written = 0;
        foreach (KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> pair in pairs)
        {
            if (written == count)
            {
                throw CountMismatch(count, "more");
            }
            ReadOnlySpan<byte> key = pair.Key.Span;
            ReadOnlySpan<byte> value = pair.Value.Span;
            CheckLength(key.Length, SnapshotFormat.MaxKeyLength, "key", written);
            CheckLength(value.Length, SnapshotFormat.MaxValueLength, "value", written);
            output.WriteUInt32((uint)key.Length);
            output.Write(key);
            output.WriteUInt32((uint)value.Length);
            output.Write(value);
            written++;
        }
        if (written != count)
        {
            throw CountMismatch(count, $"only {written}");
        }
        uint checksum = output.WriteChecksum();
        return new SnapshotInfo(SnapshotFormat.CurrentVersion, count, output.Position, checksum);
    }

    private static ArgumentException CountMismatch(long count, string actual) =>
        new($"snapshot count mismatch: {count} pairs were announced but the enumeration yielded {actual}; the snapshot was not written",
            nameof(count));

    private static void CheckLength(int length, int limit, string field, long index)
    {
        if (length > limit)
        {
            throw new ArgumentException(
                $"snapshot {field} of pair {index + 1} is {length} bytes, over the {limit / (1024 * 1024)} MiB limit; the snapshot was not written",
                "pairs");
        }
    }

    private static IEnumerable<KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>> AsMemoryPairs(
        IEnumerable<(byte[] Key, byte[] Value)> pairs)
    {
        foreach ((byte[] key, byte[] value) in pairs)
        {
            yield return new(key, value);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the next write truncates and reuses the temp file anyway.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
