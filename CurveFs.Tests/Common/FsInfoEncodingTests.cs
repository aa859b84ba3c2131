using System.Text.Json;
using CurveFs.Common.Meta;
using CurveFs.Mds.Embedded;
using CurveFs.Mds.Etcd;
using MessagePack;

namespace CurveFs.Tests.Common;

/// <summary>The filesystem UUID is a later member of FsInfo: records written before it must stay readable
/// (copyset snapshots and logs, RPC replies of an older server, fs.json, the MDS's etcd records).</summary>
public sealed class FsInfoEncodingTests
{
    /// <summary>FsInfo as it was encoded before the UUID: five positional members.</summary>
    [MessagePackObject]
    public sealed record FsInfoWithoutUuid(
        [property: Key(0)] uint FsId,
        [property: Key(1)] string Name,
        [property: Key(2)] uint ChunkSize,
        [property: Key(3)] uint BlockSize,
        [property: Key(4)] ulong CapacityBytes);

    [Fact]
    public void MessagePack_RecordWithoutUuid_DecodesWithEmptyUuid()
    {
        var old = MetaCodec.Encode(new FsInfoWithoutUuid(7, "old", 1 << 26, 1 << 22, 1 << 30));

        var info = MetaCodec.Decode<FsInfo>(old);

        Assert.Equal(new FsInfo(7, "old", 1 << 26, 1 << 22, 1 << 30), info);
        Assert.Equal("", info.Uuid);
    }

    [Fact]
    public void MessagePack_RecordWithUuid_RoundTrips()
    {
        var info = new FsInfo(7, "new", 1 << 26, 1 << 22, 1 << 30, FsInfo.NewUuid());

        var back = MetaCodec.Decode<FsInfo>(MetaCodec.Encode(info));

        Assert.Equal(info, back);
        Assert.Equal(32, back.Uuid.Length);
        // An older reader still reads the five members it knows.
        Assert.Equal("new", MetaCodec.Decode<FsInfoWithoutUuid>(MetaCodec.Encode(info)).Name);
    }

    [Fact]
    public void Json_FsJsonWithoutUuid_DecodesWithEmptyUuid()
    {
        const string old = """{ "FsId": 1, "Name": "curvefs", "ChunkSize": 67108864, "BlockSize": 4194304, "CapacityBytes": 1125899906842624 }""";
        Assert.Equal("", JsonSerializer.Deserialize<FsInfo>(old)!.Uuid);
        const string oldMds = """{ "fsId": 3, "name": "x", "chunkSize": 67108864, "blockSize": 4194304, "capacityBytes": 1 }""";
        Assert.Equal("", JsonSerializer.Deserialize<FsInfo>(oldMds, MdsJson.Options)!.Uuid);
    }

    [Fact]
    public void LocalFsRegistry_RecreatedDataDirectory_GetsANewUuid()
    {
        var dir = Directory.CreateTempSubdirectory("curvefs-fsuuid-").FullName;
        try
        {
            var (first, created) = LocalFsRegistry.LoadOrCreate(dir, "fs", FsInfo.DefaultChunkSize, FsInfo.DefaultBlockSize, FsInfo.DefaultCapacity);
            Assert.True(created);
            Assert.Equal(first, LocalFsRegistry.LoadOrCreate(dir, "fs", FsInfo.DefaultChunkSize, FsInfo.DefaultBlockSize, FsInfo.DefaultCapacity).Info);
            File.Delete(Path.Combine(dir, LocalFsRegistry.FileName));
            var (second, _) = LocalFsRegistry.LoadOrCreate(dir, "fs", FsInfo.DefaultChunkSize, FsInfo.DefaultBlockSize, FsInfo.DefaultCapacity);
            Assert.Equal((first.FsId, first.Name), (second.FsId, second.Name));
            Assert.NotEqual(first.Uuid, second.Uuid);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
