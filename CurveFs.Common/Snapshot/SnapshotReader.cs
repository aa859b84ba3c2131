namespace CurveFs.Common.Snapshot;

/// <summary>Receives one key/value pair of a verified snapshot. The spans are valid only during the
/// call; copy what you keep.</summary>
public delegate void SnapshotPairHandler(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

/// <summary>
/// Reads CurveFs snapshot files (format: <see cref="SnapshotFormat"/>). No pair is ever handed out
/// before the whole file's checksum has been verified; a damaged, truncated or foreign file raises
/// <see cref="SnapshotCorruptException"/>.
/// </summary>
/// <remarks>
/// Three ways in:
/// <list type="bullet">
/// <item><see cref="ReadAll"/>: one pass; the pairs, collected in memory, are returned after the CRC matched.</item>
/// <item><see cref="Verify"/>: one pass that keeps nothing; memory use is constant.</item>
/// <item><see cref="Open"/> then <see cref="ForEachPair"/>: verifies once, then streams the pairs from
/// the same open file in a second pass, for files too large to hold twice in memory.</item>
/// </list>
/// A missing or unreadable file raises the usual <see cref="IOException"/> subclasses. An instance
/// from <see cref="Open"/> is not thread-safe (its passes share one file position).
/// </remarks>
public sealed class SnapshotReader : IDisposable
{
    private readonly FileStream _file;

    private SnapshotReader(FileStream file, string path, SnapshotInfo info)
    {
        _file = file;
        Path = path;
        Info = info;
    }

    /// <summary>The file, as the caller named it.</summary>
    public string Path { get; }

    /// <summary>Version, pair count, size and checksum of the verified file.</summary>
    public SnapshotInfo Info { get; }

    /// <summary>Reads and verifies the whole file and returns its pairs in file order.</summary>
    public static IReadOnlyList<(byte[] Key, byte[] Value)> ReadAll(string path)
    {
        using FileStream file = OpenFile(path);
        var pairs = new List<(byte[] Key, byte[] Value)>();
        SnapshotParser.Parse(file, file.Length, path,
            (key, value) => pairs.Add((key.ToArray(), value.ToArray())));
        // Reached only when the checksum matched; on any defect the partial list is dropped.
        pairs.TrimExcess();
        return pairs;
    }

    /// <summary>Verifies the whole file without keeping its pairs.</summary>
    public static SnapshotInfo Verify(string path)
    {
        using FileStream file = OpenFile(path);
        return SnapshotParser.Parse(file, file.Length, path, handler: null);
    }

    /// <summary>Opens and verifies the file, keeping it open for <see cref="ForEachPair"/>. The file
    /// stays readable through this handle even if a new snapshot is renamed over the path.</summary>
    public static SnapshotReader Open(string path)
    {
        FileStream file = OpenFile(path);
        try
        {
            SnapshotInfo info = SnapshotParser.Parse(file, file.Length, path, handler: null);
            return new SnapshotReader(file, path, info);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Streams the verified pairs, in file order, to <paramref name="handler"/>. The file is
    /// parsed and checksummed again while streaming; snapshot files are never modified in place, so
    /// this second check fails only if something outside CurveFs rewrote the file after
    /// <see cref="Open"/>, in which case pairs already delivered must be discarded.</summary>
    public void ForEachPair(SnapshotPairHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _file.Position = 0;
        SnapshotInfo again = SnapshotParser.Parse(_file, Info.FileSize, Path, handler);
        if (again != Info)
        {
            throw new SnapshotCorruptException(Path, 0, SnapshotDefect.ChecksumMismatch,
                $"the file changed after it was verified ({Info} then {again})");
        }
    }

    public void Dispose() => _file.Dispose();

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0,
            FileOptions.SequentialScan);
}
