using System.Text;

namespace CurveFs.Common.Meta;

/// <summary>
/// The key schema of the metadata KV store. Every key is ASCII text (except dentry and xattr names,
/// which are the raw name bytes) and numbers are zero-padded to a fixed width, so byte order is
/// numeric order and a prefix scan returns children and slices in order.
///
/// <code>
/// prefix  key                                              value (MessagePack)      meaning
/// 0       0:{fsId:10}:{partitionId:10}                     PartitionRecord          inode-ID range owned here
/// 1       1:{fsId:10}:{ino:20}                             InodeRecord              inode attributes
/// 2       2:{fsId:10}:{ino:20}:{chunkIndex:20}:{seq:20}    SliceRecord              data slice; higher seq wins
/// 3       3:{fsId:10}:{parentIno:20}:{name bytes}          DentryValue              directory entry
/// 4       4:{fsId:10}:{ino:20}:{xattr name}                raw value bytes          extended attribute
/// 5       5:{fsId:10}:{ino:20}                             List of client IDs       orphan: nlink 0, data kept
///                                                                                   while these clients hold it open
/// 6       6:{fsId:10}:{ino:20}:{seq:20}                    TrashRecord              objects to delete
/// 8       8:chunkid                                        uint64 LE                next unallocated chunk ID
///                                                                                   (clusters without an MDS)
/// 9       9:{clientId:20}:{seq:20}                         MetaResult               answered request, for retries
/// F       F:{fsId:10}                                      FsInfo                   filesystem settings
/// L       L:{locked key}                                   TxLock                   key locked by a prepared
///                                                                                   cross-copyset transaction
/// X       X:{txId:20}                                      TxRecord                 a transaction's part here
/// </code>
/// {n:W} is the number in decimal, zero-padded to W digits. fsId is a uint32 and needs 10 digits;
/// inode IDs, chunk indexes and sequence numbers are uint64 and need 20.
/// </summary>
public static class MetaKeys
{
    public const byte Partition = (byte)'0';
    public const byte Inode = (byte)'1';
    public const byte Slice = (byte)'2';
    public const byte Dentry = (byte)'3';
    public const byte Xattr = (byte)'4';
    public const byte Orphan = (byte)'5';
    public const byte Trash = (byte)'6';
    public const byte Request = (byte)'9';
    public const byte Filesystem = (byte)'F';

    /// <summary>The chunk-ID counter of a copyset that allocates IDs itself (no MDS).</summary>
    public static readonly byte[] ChunkIdCounterKey = "8:chunkid"u8.ToArray();

    private const int FsWidth = 10;
    private const int U64Width = 20;

    public static byte[] PartitionKey(uint fsId, uint partitionId) => Compose(Partition, fsId, [partitionId], FsWidth, false);

    public static byte[] PartitionPrefix(uint fsId) => Compose(Partition, fsId, [], U64Width, true);

    public static byte[] InodeKey(uint fsId, ulong ino) => Compose(Inode, fsId, [ino], U64Width, false);

    public static byte[] InodePrefix(uint fsId) => Compose(Inode, fsId, [], U64Width, true);

    public static byte[] SliceKey(uint fsId, ulong ino, ulong chunkIndex, ulong seq) =>
        Compose(Slice, fsId, [ino, chunkIndex, seq], U64Width, false);

    /// <summary>Prefix of all slices of an inode.</summary>
    public static byte[] SlicePrefix(uint fsId, ulong ino) => Compose(Slice, fsId, [ino], U64Width, true);

    /// <summary>Prefix of all slices of one chunk of an inode.</summary>
    public static byte[] ChunkSlicePrefix(uint fsId, ulong ino, ulong chunkIndex) =>
        Compose(Slice, fsId, [ino, chunkIndex], U64Width, true);

    public static byte[] DentryKey(uint fsId, ulong parent, ReadOnlySpan<byte> name) => ComposeWithName(Dentry, fsId, parent, name);

    /// <summary>Prefix of all entries of a directory.</summary>
    public static byte[] DentryPrefix(uint fsId, ulong parent) => Compose(Dentry, fsId, [parent], U64Width, true);

    public static byte[] XattrKey(uint fsId, ulong ino, string name) => ComposeWithName(Xattr, fsId, ino, Encoding.UTF8.GetBytes(name));

    public static byte[] XattrPrefix(uint fsId, ulong ino) => Compose(Xattr, fsId, [ino], U64Width, true);

    public static byte[] OrphanKey(uint fsId, ulong ino) => Compose(Orphan, fsId, [ino], U64Width, false);

    public static byte[] OrphanPrefix(uint fsId) => Compose(Orphan, fsId, [], U64Width, true);

    public static byte[] TrashKey(uint fsId, ulong ino, ulong seq) => Compose(Trash, fsId, [ino, seq], U64Width, false);

    public static byte[] TrashPrefix(uint fsId) => Compose(Trash, fsId, [], U64Width, true);

    public const byte Lock = (byte)'L';
    public const byte Transaction = (byte)'X';

    /// <summary>The lock key of a key: "L:" followed by the key.</summary>
    public static byte[] LockKey(ReadOnlySpan<byte> key)
    {
        var lockKey = new byte[2 + key.Length];
        lockKey[0] = Lock;
        lockKey[1] = (byte)':';
        key.CopyTo(lockKey.AsSpan(2));
        return lockKey;
    }

    public static byte[] LockPrefix() => "L:"u8.ToArray();

    public static byte[] TxKey(ulong txId)
    {
        var key = new byte[2 + U64Width];
        key[0] = Transaction;
        key[1] = (byte)':';
        WriteDigits(key.AsSpan(2), txId);
        return key;
    }

    public static byte[] TxPrefix() => "X:"u8.ToArray();

    /// <summary>The prefix of every key of one kind (Inode, Dentry, Orphan ...) of a filesystem: "{kind}:{fsId:10}:".</summary>
    public static byte[] KindPrefix(byte kind, uint fsId) => Compose(kind, fsId, [], U64Width, true);

    public static byte[] FsKey(uint fsId) => Compose(Filesystem, fsId, [], U64Width, false);

    public static byte[] FsPrefix() => "F:"u8.ToArray();

    /// <summary>The stored answer of request seq of a client (the client ID takes the place of the fsId field, 20 digits wide).</summary>
    public static byte[] RequestKey(ulong clientId, ulong seq)
    {
        var key = new byte[2 + U64Width + 1 + U64Width];
        key[0] = Request;
        key[1] = (byte)':';
        WriteDigits(key.AsSpan(2, U64Width), clientId);
        key[2 + U64Width] = (byte)':';
        WriteDigits(key.AsSpan(3 + U64Width, U64Width), seq);
        return key;
    }

    /// <summary>The name part of a dentry or xattr key built with the given prefix.</summary>
    public static ReadOnlySpan<byte> NameAfter(ReadOnlySpan<byte> key, int prefixLength) => key[prefixLength..];

    /// <summary>Parses the last numeric field (width 20) of a key such as a slice key (its seq) or an orphan key (its inode).</summary>
    public static ulong LastNumber(ReadOnlySpan<byte> key) => ParseDigits(key[^U64Width..]);

    /// <summary>Parses the numeric field of width 20 that starts at the given offset.</summary>
    public static ulong NumberAt(ReadOnlySpan<byte> key, int offset) => ParseDigits(key.Slice(offset, U64Width));

    /// <summary>Offset of the first u64 field after "P:{fsId}:".</summary>
    public const int FirstU64Offset = 2 + FsWidth + 1;
    /// <summary>Offset of the second u64 field after "P:{fsId}:{u64}:".</summary>
    public const int SecondU64Offset = FirstU64Offset + U64Width + 1;
    /// <summary>Offset of the third u64 field.</summary>
    public const int ThirdU64Offset = SecondU64Offset + U64Width + 1;

    /// <summary>The first key after every key that starts with prefix (for range scans).</summary>
    public static byte[] PrefixEnd(ReadOnlySpan<byte> prefix)
    {
        var end = prefix.ToArray();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] != 0xFF)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }
        throw new ArgumentException("prefix of 0xFF bytes has no end");
    }

    /// <summary>"{kind}:{fsId:10}:{n1:W}:{n2:W}..." with an optional trailing ':' (prefixes for scans end with one).</summary>
    private static byte[] Compose(byte kind, uint fsId, ReadOnlySpan<ulong> numbers, int width, bool trailingColon)
    {
        var length = 2 + FsWidth + numbers.Length * (1 + width) + (trailingColon ? 1 : 0);
        var key = new byte[length];
        key[0] = kind;
        key[1] = (byte)':';
        WriteDigits(key.AsSpan(2, FsWidth), fsId);
        var pos = 2 + FsWidth;
        foreach (var number in numbers)
        {
            key[pos++] = (byte)':';
            WriteDigits(key.AsSpan(pos, width), number);
            pos += width;
        }
        if (trailingColon) key[pos] = (byte)':';
        return key;
    }

    private static byte[] ComposeWithName(byte kind, uint fsId, ulong number, ReadOnlySpan<byte> name)
    {
        var prefix = 2 + FsWidth + 1 + U64Width + 1;
        var key = new byte[prefix + name.Length];
        key[0] = kind;
        key[1] = (byte)':';
        WriteDigits(key.AsSpan(2, FsWidth), fsId);
        key[2 + FsWidth] = (byte)':';
        WriteDigits(key.AsSpan(3 + FsWidth, U64Width), number);
        key[prefix - 1] = (byte)':';
        name.CopyTo(key.AsSpan(prefix));
        return key;
    }

    private static void WriteDigits(Span<byte> destination, ulong value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (int)(value % 10));
            value /= 10;
        }
        if (value != 0) throw new ArgumentOutOfRangeException(nameof(value), "number does not fit its key field");
    }

    private static ulong ParseDigits(ReadOnlySpan<byte> digits)
    {
        ulong value = 0;
        foreach (var d in digits)
        {
            if (d < '0' || d > '9') throw new FormatException("key field is not a number");
            value = value * 10 + (ulong)(d - '0');
        }
        return value;
    }
}
