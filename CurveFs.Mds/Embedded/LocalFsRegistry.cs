using System.Text.Json;
using CurveFs.Common.Meta;

namespace CurveFs.Mds.Embedded;

/// <summary>
/// The embedded mode's record of its one filesystem: <c>DATA_DIR/fs.json</c>, written once when the
/// data directory is first used. Chunk and block size are fixed from then on.
/// </summary>
public static class LocalFsRegistry
{
    public const string FileName = "fs.json";

    /// <summary>Loads the filesystem of a data directory, creating it with the given settings when the directory is new.</summary>
    public static (FsInfo Info, bool Created) LoadOrCreate(string dataDir, string name, uint chunkSize, uint blockSize, ulong capacity)
    {
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            FsInfo? info;
            try
            {
                info = JsonSerializer.Deserialize<FsInfo>(File.ReadAllText(path));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path} is not a valid CurveFs filesystem record: {e.Message}", e);
            }
            if (info is null || info.ChunkSize == 0 || info.BlockSize == 0 || info.ChunkSize % info.BlockSize != 0)
                throw new InvalidDataException($"{path} holds invalid filesystem settings");
            return (info, false);
        }
        ValidateSizes(chunkSize, blockSize);
        var created = new FsInfo(1, name, chunkSize, blockSize, capacity, FsInfo.NewUuid());
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(created, new JsonSerializerOptions { WriteIndented = true }));
        using (var file = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite)) file.Flush(flushToDisk: true);
        File.Move(temp, path);
        return (created, true);
    }

    /// <summary>Chunk and block sizes must be powers of two, block ≤ chunk, chunk ≤ 1 GiB, block ≥ 64 KiB.</summary>
    public static void ValidateSizes(uint chunkSize, uint blockSize)
    {
        if (!uint.IsPow2(chunkSize) || !uint.IsPow2(blockSize) || blockSize > chunkSize || chunkSize > (1u << 30) || blockSize < (64u << 10))
            throw new ArgumentException($"invalid sizes: chunk {chunkSize}, block {blockSize}: both must be powers of two with 64 KiB <= block <= chunk <= 1 GiB");
    }
}
