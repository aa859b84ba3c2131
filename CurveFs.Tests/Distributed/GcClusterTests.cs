using CurveFs.Common.Rpc;
using CurveFs.Mount.Data;
using CurveFs.Mount.ObjectStore;
using CurveFs.Tests.Integration;

namespace CurveFs.Tests.Distributed;

/// <summary><c>curvefs gc --mds</c> over a playground: a stray object in the S3 store is found across three
/// copysets and deleted, and nothing a file references is.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class GcClusterTests
{
    [Fact]
    public async Task Gc_StrayObjectInS3_IsReportedThenDeleted_FilesStayIntact()
    {
        using var cluster = new PlaygroundCluster(copysets: 3, partitionSize: 16);
        var fs = MountedFilesystem.Of(cluster.MountArgs);
        try
        {
            Shell.Ok($"cd '{fs.MountPoint}' && for i in $(seq 1 40); do head -c $((i * 3000)) /dev/urandom > f$i; done && head -c 5000000 /dev/urandom > big && dd if=/dev/urandom of=big bs=4k count=2 conv=notrunc status=none",
                timeout: TimeSpan.FromMinutes(3));
            var before = Shell.Ok($"cd '{fs.MountPoint}' && sha256sum f* big");

            // An upload whose commit never happened: a block of a chunk ID the MDS handed out that no slice names.
            using var mds = MdsClient.ForEndpoints(cluster.State.MdsEndpoints);
            var record = (await mds.GetFsAsync(cluster.State.FsName))!;
            var unused = (await mds.AllocateChunkIdsAsync(1)).Start;
            var strayKey = ObjectKeyLayout.BlockKey(record.Info.FsId, 3, unused, 0);
            await using (var store = new S3ObjectStore(new S3StoreOptions(record.S3.Endpoint, record.S3.Bucket, record.S3.AccessKey, record.S3.SecretKey)
                         { Region = record.S3.Region, KeyPrefix = record.S3.KeyPrefix }))
            {
                await store.PutAsync(strayKey, new byte[4096]);

                var report = Gc(cluster, "--min-age 0s");
                Assert.True(report.ExitCode == 1, report.ToString());
                Assert.Contains("1 leaked objects (4096 bytes)", report.Stdout);
                Assert.Contains(strayKey, report.Stdout);
                Assert.Contains("3 copysets", report.Stdout);

                var delete = Gc(cluster, "--min-age 0s --delete");
                Assert.True(delete.ExitCode == 0, delete.ToString());
                Assert.Null(await store.HeadAsync(strayKey));
            }
            var again = Gc(cluster, "--min-age 0s");
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Contains("no leaked objects", again.Stdout);

            fs.Remount();
            Assert.Equal(before, Shell.Ok($"cd '{fs.MountPoint}' && sha256sum f* big"));
        }
        finally
        {
            fs.Dispose();
        }
    }

    private static ShellResult Gc(PlaygroundCluster cluster, string args) =>
        Shell.Run($"'{Binaries.Curvefs}' gc --mds {cluster.State.MdsEndpoints} --fs {cluster.State.FsName} {args}", timeout: TimeSpan.FromMinutes(2));
}
