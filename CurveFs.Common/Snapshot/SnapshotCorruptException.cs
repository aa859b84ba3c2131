namespace CurveFs.Common.Snapshot;

/// <summary>What is wrong with a snapshot file.</summary>
public enum SnapshotDefect
{
    /// <summary>The file does not start with "CURVEFS".</summary>
    NotASnapshot,

    /// <summary>Version 0, or a version newer than this build reads.</summary>
    UnsupportedVersion,

    /// <summary>The file ends inside a field (typically a torn write).</summary>
    Truncated,

    /// <summary>A pair count or key/value length that exceeds its limit or the bytes left in the file.</summary>
    LengthOutOfRange,

    /// <summary>The header's pair count disagrees with the pairs the file holds.</summary>
    CountMismatch,

    /// <summary>Bytes after the checksum, or after the last declared pair.</summary>
    TrailingData,

    /// <summary>The stored CRC32C differs from the CRC32C of the bytes before it.</summary>
    ChecksumMismatch,
}

/// <summary>A snapshot file failed verification. The message names the file, the byte offset of the
/// field at fault, what is wrong, and what to do. Nothing from such a file is ever handed out.</summary>
public sealed class SnapshotCorruptException : Exception
{
    public SnapshotCorruptException(string path, long offset, SnapshotDefect defect, string detail)
        : base(FormatMessage(path, offset, defect, detail))
    {
        Path = path;
        Offset = offset;
        Defect = defect;
        Detail = detail;
    }

    /// <summary>The snapshot file, as the caller named it.</summary>
    public string Path { get; }

    /// <summary>Byte offset of the field at fault (the file length when the file ends too early).</summary>
    public long Offset { get; }

    public SnapshotDefect Defect { get; }

    /// <summary>The problem alone, without path, offset and advice.</summary>
    public string Detail { get; }

    private static string FormatMessage(string path, long offset, SnapshotDefect defect, string detail)
    {
        string advice = defect switch
        {
            SnapshotDefect.NotASnapshot =>
                "this is not a CurveFs snapshot file; check the path",
            SnapshotDefect.UnsupportedVersion =>
                "it was written by a different CurveFs release; read it with a curvefs-metaserver that knows this version, or move it away and let the node recover from a peer",
            _ => "the file is damaged; move it away and let the node recover from a peer",
        };
        return $"snapshot {path}: {detail} at offset {offset}: {advice}";
    }
}
