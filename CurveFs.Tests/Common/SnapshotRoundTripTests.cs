using System.Buffers.Binary;
using CurveFs.Common.Checksums;
using CurveFs.Common.Snapshot;
using Xunit;

namespace CurveFs.Tests.Common;

public class SnapshotRoundTripTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_NoPairs_ReadsBackEmpty()
    {
        string path = _dir.File("empty.snap");

        SnapshotInfo written = SnapshotWriter.Write(path, Array.Empty<(byte[], byte[])>());

        Assert.Equal(SnapshotFormat.MinimumFileLength, new FileInfo(path).Length);
        Assert.Equal(new SnapshotInfo(1, 0, 23, written.Checksum), written);
        Assert.Empty(SnapshotReader.ReadAll(path));
        Assert.Equal(written, SnapshotReader.Verify(path));
    }

    [Fact]
    public void Write_OnePair_MatchesDocumentedLayout()
    {
        string path = _dir.File("one.snap");
        byte[] key = [0x00, 0x31, 0xFF];
        byte[] value = [0xC0];

        SnapshotInfo written = SnapshotWriter.Write(path, [(key, value)]);

        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(23 + 4 + 3 + 4 + 1, file.Length);
        Assert.Equal("CURVEFS"u8.ToArray(), file[..7]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(7)));
        Assert.Equal(1ul, BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(11)));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(19)));
        Assert.Equal(key, file[23..26]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(26)));
        Assert.Equal(value, file[30..31]);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(31));
        Assert.Equal(Crc32C.Compute(file.AsSpan(0, 31)), crc);
        Assert.Equal(crc, written.Checksum);

        var pair = Assert.Single(SnapshotReader.ReadAll(path));
        Assert.Equal(key, pair.Key);
        Assert.Equal(value, pair.Value);
    }

    [Fact]
    public void Write_PairsOfAFileFromAnIndependentEncoder_ProducesTheSameBytes()
    {
        // Encoded and checksummed by a separate Python implementation of the documented format.
        byte[] golden = Convert.FromHexString(
            "4355525645465301000000030000000000000011000000313a303030313a303030303030303030310e000000"
            + "82a46d6f6465cd41eda37569640017000000333a303030313a303030303030303030313a68656c6c6f0500"
            + "0000776f726c640500000000ff62696e00000000447fb343");
        string path = _dir.File("golden.snap");
        File.WriteAllBytes(path, golden);

        SnapshotInfo info = SnapshotReader.Verify(path);
        IReadOnlyList<(byte[] Key, byte[] Value)> pairs = SnapshotReader.ReadAll(path);
        SnapshotWriter.Write(path, pairs);

        Assert.Equal(new SnapshotInfo(1, 3, 111, 0x43B37F44), info);
        Assert.Equal("3:0001:0000000001:hello"u8.ToArray(), pairs[1].Key);
        Assert.Equal(golden, File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_100000BinaryPairs_ReadAllReturnsThemInOrder()
    {
        string path = _dir.File("big.snap");
        List<(byte[] Key, byte[] Value)> pairs = SnapshotSamples.RandomPairs(100_000, seed: 1);
        // Values larger than the internal buffers take the unbuffered paths of writer and reader.
        pairs[500] = (pairs[500].Key, RandomBytes(1_000_000, 2));
        pairs[501] = ([], RandomBytes(ChecksummedInput.BufferSize, 3));
        pairs[502] = (RandomBytes(ChecksummedInput.BufferSize + 1, 4), []);

        SnapshotInfo written = SnapshotWriter.Write(path, pairs);
        IReadOnlyList<(byte[] Key, byte[] Value)> read = SnapshotReader.ReadAll(path);

        Assert.Equal(100_000, written.PairCount);
        Assert.Equal(new FileInfo(path).Length, written.FileSize);
        Assert.Equal(pairs.Count, read.Count);
        for (int i = 0; i < pairs.Count; i++)
        {
            Assert.Equal(pairs[i].Key, read[i].Key);
            Assert.Equal(pairs[i].Value, read[i].Value);
        }
        Assert.Equal(written, SnapshotReader.Verify(path));
    }

    [Fact]
    public void Open_ForEachPair_StreamsVerifiedPairsInOrder()
    {
        string path = _dir.File("stream.snap");
        List<(byte[] Key, byte[] Value)> pairs = SnapshotSamples.RandomPairs(5_000, seed: 5);
        pairs[10] = (pairs[10].Key, RandomBytes(300_000, 6));
        SnapshotInfo written = SnapshotWriter.Write(path, pairs);

        using SnapshotReader reader = SnapshotReader.Open(path);
        var seen = new List<(byte[] Key, byte[] Value)>();
        reader.ForEachPair((key, value) => seen.Add((key.ToArray(), value.ToArray())));

        Assert.Equal(written, reader.Info);
        Assert.Equal(pairs.Select(p => Convert.ToHexString(p.Key) + "=" + Convert.ToHexString(p.Value)),
            seen.Select(p => Convert.ToHexString(p.Key) + "=" + Convert.ToHexString(p.Value)));
    }

    [Fact]
    public void WriteTo_Stream_ProducesTheSameBytesAsTheFileWriter()
    {
        string path = _dir.File("same.snap");
        List<(byte[] Key, byte[] Value)> pairs = SnapshotSamples.RandomPairs(1_000, seed: 8);
        SnapshotWriter.Write(path, pairs);
        var stream = new MemoryStream();

        SnapshotInfo info = SnapshotWriter.WriteTo(stream, pairs.Count,
            pairs.Select(p => new KeyValuePair<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>(p.Key, p.Value)));

        Assert.Equal(File.ReadAllBytes(path), stream.ToArray());
        Assert.Equal(stream.Length, info.FileSize);
    }

    [Fact]
    public void Verify_100000Pairs_AllocatesOnlyBuffers()
    {
        string path = _dir.File("alloc.snap");
        SnapshotWriter.Write(path, SnapshotSamples.RandomPairs(100_000, seed: 9));
        SnapshotReader.Verify(path); // warm up: JIT, pools

        long before = GC.GetAllocatedBytesForCurrentThread();
        SnapshotReader.Verify(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 64 * 1024, $"Verify allocated {allocated} bytes for 100,000 pairs");
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
