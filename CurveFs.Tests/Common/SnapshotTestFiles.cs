using CurveFs.Common.Snapshot;

namespace CurveFs.Tests.Common;

/// <summary>A fresh directory under the system temp directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "curvefs-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner; a failed cleanup must not fail a test.
        }
    }
}

/// <summary>Pair sets and files shared by the snapshot tests.</summary>
internal static class SnapshotSamples
{
    /// <summary>Random binary keys and values (including empty ones), deterministic per seed.</summary>
    public static List<(byte[] Key, byte[] Value)> RandomPairs(int count, int seed, int maxKey = 40, int maxValue = 200)
    {
        var random = new Random(seed);
        var pairs = new List<(byte[] Key, byte[] Value)>(count);
        for (int i = 0; i < count; i++)
        {
            byte[] key = new byte[random.Next(maxKey + 1)];
            byte[] value = new byte[random.Next(maxValue + 1)];
            random.NextBytes(key);
            random.NextBytes(value);
            pairs.Add((key, value));
        }
        return pairs;
    }

    /// <summary>A few pairs of varied sizes, small enough to damage at every offset.</summary>
    public static List<(byte[] Key, byte[] Value)> SmallPairs() =>
    [
        ("1:0001:0000000001"u8.ToArray(), [0x82, 0xA4, 0x6D, 0x6F, 0x64, 0x65, 0xCD, 0x41, 0xED, 0xA3, 0x75, 0x69, 0x64, 0x00]),
        ([], [0x01]),
        ([0x00, 0xFF, 0x5C], []),
        ("3:0001:0000000001:hello"u8.ToArray(), "world"u8.ToArray()),
    ];

    public static byte[] SmallSnapshotBytes(TempDirectory dir)
    {
        string path = dir.File("small.snap");
        SnapshotWriter.Write(path, SmallPairs());
        return File.ReadAllBytes(path);
    }

    /// <summary>A file of header + raw body + the correct CRC32C, for crafting unusual layouts.</summary>
    public static byte[] Craft(uint version, ulong count, ReadOnlySpan<byte> body)
    {
        var bytes = new byte[SnapshotFormat.HeaderLength + body.Length + SnapshotFormat.ChecksumLength];
        "CURVEFS"u8.CopyTo(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(7), version);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(11), count);
        body.CopyTo(bytes.AsSpan(SnapshotFormat.HeaderLength));
        FixChecksum(bytes);
        return bytes;
    }

    /// <summary>Rewrites the last 4 bytes with the CRC32C of the bytes before them.</summary>
    public static void FixChecksum(byte[] bytes)
    {
        uint crc = CurveFs.Common.Checksums.Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), crc);
    }
}
