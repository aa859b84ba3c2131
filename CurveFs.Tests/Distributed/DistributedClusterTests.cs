using System.Text.RegularExpressions;
using CurveFs.Mount.Playground;
using CurveFs.Tests.Integration;
using Xunit.Abstractions;

namespace CurveFs.Tests.Distributed;

/// <summary>
/// The distributed deployment as users meet it: a playground (etcd, s3rver, 2 MDS, 3 metaservers with 3
/// copysets), mounts as separate client processes through real FUSE, data in S3.
/// </summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed partial class DistributedClusterTests(ITestOutputHelper output)
{
    [Fact]
    public void TwoMounts_SeeEachOthersChanges_WithCloseToOpenConsistency()
    {
        using var cluster = new PlaygroundCluster(copysets: 3);
        using var a = MountedFilesystem.Of(cluster.MountArgs);
        using var b = MountedFilesystem.Of(cluster.MountArgs);

        var data = new byte[9 * 1024 * 1024 + 4321];
        new Random(7).NextBytes(data);
        File.WriteAllBytes(a.PathOf("shared.bin"), [1, 2, 3]);
        Assert.Equal(3, new FileInfo(b.PathOf("shared.bin")).Length); // b now has the small file's attributes cached
        File.WriteAllBytes(a.PathOf("shared.bin"), data);               // written and closed on a
        Assert.Equal(data, File.ReadAllBytes(b.PathOf("shared.bin")));  // opened afterwards on b: read whole

        Directory.CreateDirectory(b.PathOf("dir/sub"));
        File.WriteAllText(b.PathOf("dir/sub/note"), "from b");
        Assert.Equal("from b", File.ReadAllText(a.PathOf("dir/sub/note")));
        File.Move(a.PathOf("shared.bin"), a.PathOf("dir/moved.bin"));
        Assert.Equal(data, File.ReadAllBytes(b.PathOf("dir/moved.bin")));

        // An overwrite in place on b (same size) is what a reopen on a reads, not a's cached pages.
        var changed = (byte[])data.Clone();
        changed[12345] ^= 0xFF;
        File.WriteAllBytes(b.PathOf("dir/moved.bin"), changed);
        Assert.Equal(changed, File.ReadAllBytes(a.PathOf("dir/moved.bin")));
    }

    [Fact]
    public void FourClientsWriting_WhileTheMdsLeaderIsKilledTwice_GetDistinctChunkIds()
    {
        using var cluster = new PlaygroundCluster(copysets: 3, mdsLeaseSeconds: 3);
        // Small client ranges, so every client keeps asking the MDS for chunk IDs across the failovers.
        cluster.ReconfigureMds(c => c with { ClientChunkIdRange = 4 });
        var mounts = Enumerable.Range(0, 4).Select(_ => MountedFilesystem.Of(cluster.MountArgs)).ToList();
        try
        {
            var writers = mounts.Select((m, i) => new FileWriter(Directory.CreateDirectory(m.PathOf($"client{i}")).FullName, i)).ToList();
            using var stop = new CancellationTokenSource();
            var threads = writers.Select(w => new Thread(() => w.Run(stop.Token))).ToList();
            threads.ForEach(t => t.Start());
            Thread.Sleep(3000);
            for (var round = 1; round <= 2; round++)
            {
                var leader = cluster.WaitForLeader(kind: PlaygroundKinds.Mds);
                cluster.Kill9(leader.NodeId, PlaygroundKinds.Mds);
                var next = cluster.WaitForLeader(TimeSpan.FromSeconds(30), notNode: leader.NodeId, kind: PlaygroundKinds.Mds);
                output.WriteLine($"round {round}: killed MDS {leader.NodeId}, MDS {next.NodeId} leads; files so far {string.Join(",", writers.Select(w => w.Written))}");
                cluster.Up(); // the killed MDS comes back as a standby
                Thread.Sleep(3000);
            }
            var afterFailovers = writers.Select(w => w.Written).ToList();
            Thread.Sleep(4000);
            stop.Cancel();
            threads.ForEach(t => t.Join());
            for (var i = 0; i < writers.Count; i++)
            {
                Assert.True(writers[i].Error is null, $"client {i} saw an error: {writers[i].Error}\n{mounts[i].ReadLog()}");
                Assert.True(writers[i].Written > afterFailovers[i], $"client {i} wrote nothing after the second failover");
            }
            // Every file reads back whole from another client.
            for (var i = 0; i < writers.Count; i++)
                for (var n = 0; n < writers[i].Written; n++)
                    Assert.Equal(FileWriter.Content(i, n), File.ReadAllBytes(mounts[(i + 1) % 4].PathOf($"client{i}/f{n}")));

            var fsck = cluster.Fsck();
            output.WriteLine(fsck.Stdout);
            Assert.True(fsck.ExitCode == 0, $"fsck found damage (a chunk ID used twice shows as shared-chunk-id):\n{fsck}");
            var chunkIds = long.Parse(ChunkIdCount().Match(fsck.Stdout).Groups[1].Value);
            Assert.True(chunkIds >= writers.Sum(w => w.Written), $"{chunkIds} distinct chunk IDs for {writers.Sum(w => w.Written)} files");
        }
        finally
        {
            mounts.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public void TinyPartitions_FiveThousandFiles_SpreadOverCopysets_AllReachableAfterAFullRestart()
    {
        using var cluster = new PlaygroundCluster(copysets: 3, partitionSize: 64);
        const string Listing = "find . -type f | sort | xargs cat | sha256sum; find . | wc -l";
        string before;
        using (var mount = MountedFilesystem.Of(cluster.MountArgs))
        {
            var started = DateTime.UtcNow;
            // Four writers at once; each subshell stops at its first error and the wait collects each one's status.
            Shell.Ok($"cd '{mount.MountPoint}' && for d in 0 1 2 3; do (mkdir d$d && cd d$d && for i in $(seq 1 1250); do echo $d-$i > f$i || exit 1; done) & done; " +
                "for job in $(jobs -p); do wait $job || exit 1; done", timeout: TimeSpan.FromMinutes(10));
            output.WriteLine($"5,000 files in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
            before = Shell.Ok($"cd '{mount.MountPoint}' && {Listing}");
            mount.Unmount();
        }
        Assert.EndsWith("5005", before.Trim()); // 5,000 files, 4 directories and .
        var partitions = cluster.Partitions();
        var perCopyset = partitions.GroupBy(p => p.CopysetId).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"{partitions.Count} partitions: {string.Join(", ", perCopyset.Select(kv => $"copyset {kv.Key}: {kv.Value}"))}");
        Assert.True(partitions.Count >= 5005 / 64, $"only {partitions.Count} partitions of 64 inodes for 5,005 inodes");
        Assert.Equal(3, perCopyset.Count);

        Shell.Ok($"'{Binaries.Curvefs}' playground down '{cluster.Dir}'", timeout: TimeSpan.FromMinutes(1));
        cluster.Up();
        using var again = MountedFilesystem.Of(cluster.MountArgs);
        Assert.Equal(before, Shell.Ok($"cd '{again.MountPoint}' && {Listing}", timeout: TimeSpan.FromMinutes(5)));
        var fsck = cluster.Fsck();
        Assert.True(fsck.ExitCode == 0, fsck.ToString());
        Assert.Contains("3 copysets", fsck.Stdout);
    }

    [GeneratedRegex(@"(\d+) chunk IDs")]
    private static partial Regex ChunkIdCount();

    /// <summary>Writes small files, each closed (so flushed with a new chunk ID), until stopped.</summary>
    private sealed class FileWriter(string dir, int client)
    {
        public volatile int Written;
        public Exception? Error;

        public static byte[] Content(int client, int n) => System.Text.Encoding.ASCII.GetBytes($"client {client} file {n}\n" + new string((char)('a' + n % 26), 3000 + n));

        public void Run(CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    File.WriteAllBytes(Path.Combine(dir, $"f{Written}"), Content(client, Written));
                    Written++;
                }
            }
            catch (Exception e)
            {
                Error = e;
            }
        }
    }
}
