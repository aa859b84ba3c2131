using System.Text.RegularExpressions;
using CurveFs.Tests.Integration;
using Xunit.Abstractions;

namespace CurveFs.Tests.Distributed;

/// <summary>Client sessions with the MDS: a mount that stops heartbeating (killed) is expired and what it held
/// is cleaned in the copysets, while a live mount's session stays.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed partial class SessionExpiryTests(ITestOutputHelper output)
{
    [Fact]
    public void KilledMount_IsExpired_AndTheUnlinkedFileItHeldOpenIsDeleted_ALiveMountStays()
    {
        using var cluster = new PlaygroundCluster(copysets: 3);
        cluster.ReconfigureMds(c => c with { SessionLeaseSeconds = 3 });
        using var live = MountedFilesystem.Of(cluster.MountArgs);
        var doomed = MountedFilesystem.Of(cluster.MountArgs);
        try
        {
            var path = doomed.PathOf("held-open");
            File.WriteAllBytes(path, new byte[100_000]);
            var held = new FileStream(path, FileMode.Open, FileAccess.Read);
            File.Delete(path); // unlinked while open: the inode lives on, held by the doomed mount's session
            Assert.False(File.Exists(live.PathOf("held-open")));
            Assert.Equal(2, Inodes(cluster)); // the root and the orphan
            Assert.Equal(2, Sessions(cluster));

            doomed.Kill9();
            try
            {
                held.Dispose();
            }
            catch (IOException)
            {
                // the mount is gone
            }
            var deadline = DateTime.UtcNow.AddSeconds(45);
            while ((Sessions(cluster) > 1 || Inodes(cluster) > 1) && DateTime.UtcNow < deadline) Thread.Sleep(500);
            output.WriteLine(Shell.Ok($"'{Binaries.Curvefs}' status --mds {cluster.State.MdsEndpoints}"));
            Assert.Equal(1, Sessions(cluster));
            Assert.Equal(1, Inodes(cluster));
            var fsck = cluster.Fsck();
            Assert.True(fsck.ExitCode == 0, fsck.ToString());

            // The live mount heartbeated through all of it and still works under its session.
            File.WriteAllText(live.PathOf("after"), "still here");
            Assert.Equal("still here", File.ReadAllText(live.PathOf("after")));
            Assert.DoesNotContain("had expired", live.ReadLog());
        }
        finally
        {
            doomed.Dispose();
        }
    }

    private static int Sessions(PlaygroundCluster cluster)
    {
        var status = Shell.Ok($"'{Binaries.Curvefs}' status --mds {cluster.State.MdsEndpoints}");
        return int.Parse(MountsLine().Match(status).Groups[1].Value);
    }

    private static int Inodes(PlaygroundCluster cluster)
    {
        var fsck = cluster.Fsck();
        Assert.True(fsck.ExitCode == 0, fsck.ToString());
        return int.Parse(InodesCount().Match(fsck.Stdout).Groups[1].Value);
    }

    [GeneratedRegex(@"\), (\d+) mounts")]
    private static partial Regex MountsLine();

    [GeneratedRegex(@"(\d+) inodes")]
    private static partial Regex InodesCount();
}
