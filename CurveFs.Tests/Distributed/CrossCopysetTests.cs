using CurveFs.Mount.Meta.Transactions;
using CurveFs.Tests.Integration;
using Xunit.Abstractions;

namespace CurveFs.Tests.Distributed;

/// <summary>
/// Renames whose two directories live in different copysets, over real processes: the client killed at each
/// step of the transaction protocol, and a storm of renames from two clients, each checked with fsck.
/// </summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class CrossCopysetTests(ITestOutputHelper output)
{
    /// <summary>Steps of a two-copyset transaction (TxCoordinator), and whether a crash there keeps the rename:
    /// the commit point is the primary's commit.</summary>
    public static TheoryData<string, bool> Steps => new()
    {
        { "prepared:0", false },
        { "prepared:1", false },
        { "committed-primary", true },
        { "committed:1", true },
    };

    [Fact]
    public void ClientKilledAtEachStepOfACrossCopysetRename_LeavesExactlyOneName()
    {
        using var cluster = new PlaygroundCluster(copysets: 3, partitionSize: 64);
        using var mount = MountedFilesystem.Of(cluster.MountArgs);
        var (from, to) = DirectoriesInTwoCopysets(cluster, mount, out var copysets);
        output.WriteLine($"renaming from {from} (copyset {copysets.From}) to {to} (copyset {copysets.To})");
        foreach (var (step, kept) in Steps.Select(row => ((string)row[0], (bool)row[1])))
        {
            var name = step.Replace(':', '-');
            File.WriteAllText(mount.PathOf($"{from}/{name}"), $"content of {name}\n");
            using (var doomed = MountedFilesystem.WithEnvironment(new Dictionary<string, string> { [TxKillSwitch.Variable] = step }, cluster.MountArgs))
            {
                var mv = Shell.Run($"mv '{doomed.PathOf($"{from}/{name}")}' '{doomed.PathOf($"{to}/{name}.moved")}'", timeout: TimeSpan.FromMinutes(1));
                Assert.NotEqual(0, mv.ExitCode);
                doomed.Kill9(); // it is dead already: this waits for it and detaches the mount
                var log = doomed.ReadLog();
                Assert.True(log.Contains($"killing this process at transaction step {step}"), $"mv: {mv}\nmount log:\n{log}");
            }
            // The surviving client runs into the dead client's locks and resolves them (after the resolve timeout).
            Thread.Sleep(1500); // past the kernel's entry cache of the names
            var oldName = Exists(mount.PathOf($"{from}/{name}"));
            var newName = Exists(mount.PathOf($"{to}/{name}.moved"));
            output.WriteLine($"{step}: old name {(oldName ? "present" : "gone")}, new name {(newName ? "present" : "gone")}");
            Assert.True(oldName != newName, $"killed at {step}: old name {oldName}, new name {newName}");
            Assert.Equal(kept, newName);
            Assert.Equal($"content of {name}\n", File.ReadAllText(mount.PathOf(kept ? $"{to}/{name}.moved" : $"{from}/{name}")));
        }
        var fsck = cluster.Fsck(resolve: true);
        output.WriteLine(fsck.Stdout);
        Assert.True(fsck.ExitCode == 0, fsck.ToString());
    }

    [Fact]
    public void RenameStormAcrossCopysetsFromTwoClients_EndsWithACleanFsck()
    {
        using var cluster = new PlaygroundCluster(copysets: 3, partitionSize: 64);
        using var a = MountedFilesystem.Of(cluster.MountArgs);
        using var b = MountedFilesystem.Of(cluster.MountArgs);
        // 16 directories with 40 inodes between each two, so they land in partitions on all three copysets.
        Shell.Ok($"cd '{a.MountPoint}' && mkdir filler && for d in $(seq 0 15); do mkdir d$d && mkdir filler/$d && touch filler/$d/x{{1..40}}; done && " +
            "for i in $(seq 0 199); do echo file $i > d$((i % 16))/f$i; done", timeout: TimeSpan.FromMinutes(3));
        var partitions = cluster.Partitions();
        var homes = Enumerable.Range(0, 16).Select(d => partitions.CopysetOf(DistributedCluster.Ino(a.PathOf($"d{d}")))).ToList();
        output.WriteLine($"directory copysets: {string.Join(",", homes)}");
        Assert.True(homes.Distinct().Count() >= 2, "the directories all landed in one copyset");

        var storms = new[] { new RenameStorm(a.MountPoint, 1), new RenameStorm(b.MountPoint, 2) };
        var deadline = DateTime.UtcNow.AddSeconds(40);
        var threads = storms.Select(s => new Thread(() => s.Run(deadline))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        output.WriteLine($"renames done: {string.Join(", ", storms.Select(s => $"{s.Done} ({s.Failed} ENOENT/EEXIST)"))}");
        foreach (var storm in storms) Assert.True(storm.Error is null, storm.Error?.ToString());
        Assert.True(storms.Sum(s => s.Done) >= 200, "too few renames succeeded to mean anything");

        Thread.Sleep(1500);
        var files = Enumerable.Range(0, 16).SelectMany(d => Directory.GetFiles(a.PathOf($"d{d}"))).ToList();
        Assert.Equal(200, files.Count);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"file {i}\n").Order(), files.Select(File.ReadAllText).Order());
        var fsck = cluster.Fsck();
        output.WriteLine(fsck.Stdout);
        Assert.True(fsck.ExitCode == 0, $"fsck found damage after the storm:\n{fsck}");
    }

    /// <summary>lstat: true, or false for ENOENT; any other error (EAGAIN from a lock nobody resolved) fails the test.</summary>
    private static bool Exists(string path)
    {
        var error = Posix.Lstat(path, out _);
        if (error is not (0 or 2)) throw new IOException($"lstat {path}: errno {error}");
        return error == 0;
    }

    /// <summary>Two directories whose inodes (and so entries) are in different copysets.</summary>
    private static (string From, string To) DirectoriesInTwoCopysets(PlaygroundCluster cluster, MountedFilesystem mount, out (uint From, uint To) copysets)
    {
        Shell.Ok($"cd '{mount.MountPoint}' && mkdir -p dirs && cd dirs && mkdir d{{1..150}}", timeout: TimeSpan.FromMinutes(3));
        var partitions = cluster.Partitions();
        var byCopyset = Enumerable.Range(1, 150).Select(i => $"dirs/d{i}")
            .GroupBy(d => partitions.CopysetOf(DistributedCluster.Ino(mount.PathOf(d))))
            .ToList();
        Assert.True(byCopyset.Count >= 2, "150 directories with 64-inode partitions all landed in one copyset");
        copysets = (byCopyset[0].Key, byCopyset[1].Key);
        return (byCopyset[0].First(), byCopyset[1].First());
    }

    /// <summary>Moves random files between the 16 directories with rename(2), counting what the other client's moves refused.</summary>
    private sealed class RenameStorm(string root, int seed)
    {
        public int Done;
        public int Failed;
        public Exception? Error;

        public void Run(DateTime deadline)
        {
            var random = new Random(seed);
            try
            {
                while (DateTime.UtcNow < deadline)
                {
                    var source = Path.Combine(root, $"d{random.Next(16)}");
                    var names = Directory.GetFiles(source);
                    if (names.Length == 0) continue;
                    var file = names[random.Next(names.Length)];
                    var target = Path.Combine(root, $"d{random.Next(16)}", Path.GetFileName(file));
                    // RENAME_NOREPLACE: a name never overwrites another file, so every file survives the storm.
                    var error = Posix.Rename(file, target, 1);
                    if (error == 0) Done++;
                    else if (error is 2 or 17) Failed++; // ENOENT: the other client moved it first; EEXIST: already there
                    else throw new IOException($"rename {file} -> {target}: errno {error}");
                }
            }
            catch (Exception e)
            {
                Error = e;
            }
        }
    }
}
