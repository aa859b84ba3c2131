// The CurveFs snapshot file format. This comment is the authoritative description; docs/snapshot-format.md
// repeats it with examples, and SnapshotWriter/SnapshotReader implement it.
//
// A snapshot holds the key/value pairs of one metaserver copyset's ordered in-memory store. All integers
// are little-endian and unsigned.
//
//   offset      size  field     meaning
//   0           7     magic     ASCII "CURVEFS" (43 55 52 56 45 46 53)
//   7           4     version   uint32 file format version; 1 today
//   11          8     size      uint64 number of key/value pairs that follow
//   19          ...   pairs     `size` times:
//                                 uint32 key length K    (0 <= K <= MaxKeyLength)
//                                 K bytes of key
//                                 uint32 value length V  (0 <= V <= MaxValueLength)
//                                 V bytes of value
//   end - 4     4     checksum  CRC32C (Castagnoli; see Checksums/Crc32C) of every byte before it,
//                               from the first magic byte to the last byte of the last value
//
// A file is valid only when it parses to exactly `size` pairs, the checksum field is the last 4 bytes
// of the file, and the stored checksum equals the computed one. The smallest valid file (no pairs) is
// 23 bytes. Pairs are written in the store's key order, but the format does not require an order and
// the reader does not check one; keys and values are opaque bytes.
//
// Versions: a reader accepts every version from 1 up to CurrentVersion and rejects anything else
// (0 is never valid; a larger number was written by a newer CurveFs). A change to the layout above
// needs a new version number and a reader for it; the old reader stays.
//
// Durability (SnapshotWriter): the file is written to PATH + ".tmp" in the same directory, fsynced,
// renamed over PATH, and then the directory is fsynced. PATH is therefore always either the previous
// complete snapshot or the new complete one; a leftover PATH.tmp is garbage from an interrupted write.
//
// Limits: a key or value longer than 64 MiB is refused by the writer and treated as corruption by the
// reader, so a damaged length field can never make the reader allocate more than that (and never more
// than the bytes actually left in the file).

namespace CurveFs.Common.Snapshot;

/// <summary>Constants of the CurveFs snapshot file format (described in the header comment of this
/// file and in docs/snapshot-format.md).</summary>
public static class SnapshotFormat
{
    /// <summary>The first 7 bytes of every snapshot file.</summary>
    public static ReadOnlySpan<byte> Magic => "CURVEFS"u8;

    public const int MagicLength = 7;

    /// <summary>The version this build writes. It reads every version from 1 to this one.</summary>
    public const uint CurrentVersion = 1;

    public const int VersionOffset = MagicLength;
    public const int PairCountOffset = VersionOffset + sizeof(uint);

    /// <summary>magic + version + pair count.</summary>
    public const int HeaderLength = PairCountOffset + sizeof(ulong);

    /// <summary>Size of a key or value length field.</summary>
    public const int LengthFieldSize = sizeof(uint);

    public const int ChecksumLength = sizeof(uint);

    /// <summary>A snapshot with no pairs: header + checksum.</summary>
    public const int MinimumFileLength = HeaderLength + ChecksumLength;

    /// <summary>The smallest encoding of one pair (two empty byte strings).</summary>
    public const int MinimumPairLength = 2 * LengthFieldSize;

    public const int MaxKeyLength = 64 * 1024 * 1024;
    public const int MaxValueLength = 64 * 1024 * 1024;

    /// <summary>Appended to the target path to name the file being written.</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>True for the versions this build can read.</summary>
    public static bool IsReadableVersion(uint version) => version is >= 1 and <= CurrentVersion;
}
