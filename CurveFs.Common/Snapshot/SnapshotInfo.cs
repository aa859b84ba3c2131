namespace CurveFs.Common.Snapshot;

/// <summary>Summary of a snapshot file that was written or fully verified.</summary>
/// <param name="Version">File format version.</param>
/// <param name="PairCount">Number of key/value pairs.</param>
/// <param name="FileSize">Length of the file in bytes, checksum included.</param>
/// <param name="Checksum">The CRC32C stored in (and verified against) the last 4 bytes.</param>
public readonly record struct SnapshotInfo(uint Version, long PairCount, long FileSize, uint Checksum)
{
    public override string ToString() =>
        $"version {Version}, {PairCount} pairs, {FileSize} bytes, crc32c 0x{Checksum:X8}";
}
