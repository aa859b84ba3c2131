using System.Buffers.Binary;
using CurveFs.Common.Snapshot;
using Xunit;

namespace CurveFs.Tests.Common;

public class SnapshotCorruptionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(0x01)]
    [InlineData(0x80)]
    [InlineData(0xFF)]
    public void ReadAll_AnySingleByteFlipped_IsRejected(byte mask)
    {
        byte[] good = SnapshotSamples.SmallSnapshotBytes(_dir);
        string path = _dir.File("flipped.snap");

        for (int offset = 0; offset < good.Length; offset++)
        {
            byte[] bad = (byte[])good.Clone();
            bad[offset] ^= mask;
            File.WriteAllBytes(path, bad);

            var readAll = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.ReadAll(path));
            var verify = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Verify(path));
            Assert.Equal(readAll.Message, verify.Message);
            Assert.StartsWith($"snapshot {path}: ", readAll.Message);
            Assert.InRange(readAll.Offset, 0, bad.Length);
        }
    }

    [Fact]
    public void ReadAll_TruncatedAtEveryOffset_IsRejected()
    {
        byte[] good = SnapshotSamples.SmallSnapshotBytes(_dir);
        string path = _dir.File("torn.snap");

        for (int length = 0; length < good.Length; length++)
        {
            File.WriteAllBytes(path, good[..length]);

            var e = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.ReadAll(path));
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void Verify_ChecksumDamaged_ReportsStoredAndComputed()
    {
        byte[] bytes = SnapshotSamples.SmallSnapshotBytes(_dir);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), stored ^ 0x10);
        string path = Write("crc.snap", bytes);

        var e = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Verify(path));

        Assert.Equal(SnapshotDefect.ChecksumMismatch, e.Defect);
        Assert.Equal(bytes.Length - 4, e.Offset);
        Assert.Equal(
            $"snapshot {path}: checksum mismatch (stored 0x{stored ^ 0x10:X8}, computed 0x{stored:X8}) at offset {bytes.Length - 4}: "
            + "the file is damaged; move it away and let the node recover from a peer",
            e.Message);
    }

    [Fact]
    public void Verify_WrongMagic_IsNotASnapshot()
    {
        byte[] bytes = SnapshotSamples.SmallSnapshotBytes(_dir);
        bytes[0] = (byte)'X';
        SnapshotSamples.FixChecksum(bytes);

        var e = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Verify(Write("magic.snap", bytes)));

        Assert.Equal(SnapshotDefect.NotASnapshot, e.Defect);
        Assert.Contains("not \"CURVEFS\"", e.Message);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(2u)]
    [InlineData(uint.MaxValue)]
    public void Verify_UnknownVersion_IsUnsupported(uint version)
    {
        string path = Write("version.snap", SnapshotSamples.Craft(version, 0, []));

        var e = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Verify(path));

        Assert.Equal(SnapshotDefect.UnsupportedVersion, e.Defect);
        Assert.Equal(SnapshotFormat.VersionOffset, e.Offset);
        Assert.Contains($"version {version}", e.Message);
    }

    [Fact]
    public void Verify_EmptyFile_IsTruncated()
    {
        var e = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Verify(Write("empty.snap", [])));

        Assert.Equal(SnapshotDefect.Truncated, e.Defect);
        Assert.Contains("the file is empty", e.Message);
    }

    [Theory]
    [InlineData(uint.MaxValue)]
    [InlineData(60u * 1024 * 1024)]
    public void ReadAll_HugeKeyLength_FailsWithoutAllocatingIt(uint keyLength)
    {
        byte[] body = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(body, keyLength);
        string path = Write("huge.snap", SnapshotSamples.Craft(1, 1, body));
        Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.ReadAll(path)); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.ReadAll(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(SnapshotDefect.LengthOutOfRange, e.Defect);
        Assert.Equal(SnapshotFormat.HeaderLength, e.Offset);
        Assert.Contains($"key length {keyLength} of pair 1 of 1", e.Message);
        Assert.True(allocated < 256 * 1024, $"a bad length field cost {allocated} bytes");
    }

    [Fact]
    public void Verify_ValueLengthOverLimit_IsRejected()
    {
        byte[] body = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), SnapshotFormat.MaxValueLength + 1u);

        var e = Assert.Throws<SnapshotCorruptException>(
            () => SnapshotReader.Verify(Write("value.snap", SnapshotSamples.Craft(1, 1, body))));

        Assert.Equal(SnapshotDefect.LengthOutOfRange, e.Defect);
        Assert.Equal(SnapshotFormat.HeaderLength + 4, e.Offset);
        Assert.Contains("exceeds the 64 MiB limit", e.Message);
    }

    [Fact]
    public void Verify_PairCountLargerThanTheFileCanHold_IsRejectedAtTheCountField()
    {
        var e = Assert.Throws<SnapshotCorruptException>(
            () => SnapshotReader.Verify(Write("count.snap", SnapshotSamples.Craft(1, ulong.MaxValue, new byte[16]))));

        Assert.Equal(SnapshotDefect.LengthOutOfRange, e.Defect);
        Assert.Equal(SnapshotFormat.PairCountOffset, e.Offset);
    }

    [Fact]
    public void Verify_CountSmallerThanPairsPresent_IsCountMismatch()
    {
        // Three empty pairs, header says two, checksum recomputed so only the structure is wrong.
        var e = Assert.Throws<SnapshotCorruptException>(
            () => SnapshotReader.Verify(Write("fewer.snap", SnapshotSamples.Craft(1, 2, new byte[24]))));

        Assert.Equal(SnapshotDefect.CountMismatch, e.Defect);
        Assert.Contains("declares 2 pairs but the file holds 3", e.Message);
    }

    [Fact]
    public void Verify_CountLargerThanPairsPresent_IsCountMismatch()
    {
        // Two pairs with 4-byte keys: the file could hold a third, but it is not there.
        byte[] pair = [4, 0, 0, 0, (byte)'k', (byte)'e', (byte)'y', (byte)'s', 0, 0, 0, 0];
        var e = Assert.Throws<SnapshotCorruptException>(
            () => SnapshotReader.Verify(Write("more.snap", SnapshotSamples.Craft(1, 3, [.. pair, .. pair]))));

        Assert.Equal(SnapshotDefect.CountMismatch, e.Defect);
        Assert.Contains("declares 3 pairs but the data ends after 2", e.Message);
    }

    [Fact]
    public void Verify_BytesAfterTheChecksum_IsTrailingData()
    {
        byte[] good = SnapshotSamples.SmallSnapshotBytes(_dir);
        string path = Write("trailing.snap", [.. good, 0x00, 0x01, 0x02]);

        var e = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Verify(path));

        Assert.Equal(SnapshotDefect.TrailingData, e.Defect);
        Assert.Equal(good.Length, e.Offset);
        Assert.Contains("3 bytes of trailing data after the checksum", e.Message);
    }

    [Fact]
    public void Verify_GarbageAfterTheLastPair_IsTrailingData()
    {
        // One empty pair, then 3 bytes that cannot be a pair, then a checksum over all of it.
        var e = Assert.Throws<SnapshotCorruptException>(
            () => SnapshotReader.Verify(Write("garbage.snap", SnapshotSamples.Craft(1, 1, [0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9]))));

        Assert.Equal(SnapshotDefect.TrailingData, e.Defect);
        Assert.Equal(SnapshotFormat.HeaderLength + 8, e.Offset);
    }

    [Fact]
    public void Open_CorruptFile_ThrowsBeforeAnyPairIsDelivered()
    {
        byte[] bytes = SnapshotSamples.SmallSnapshotBytes(_dir);
        bytes[^1] ^= 1;

        Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Open(Write("open.snap", bytes)));
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
