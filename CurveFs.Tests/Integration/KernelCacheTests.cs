using System.Security.Cryptography;

namespace CurveFs.Tests.Integration;

/// <summary>What the kernel caches for a mount: readdirplus attributes, the page cache across opens
/// (kept while a file is unchanged, dropped after another mount changed it), and the -o timeouts.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class KernelCacheTests
{
    private const string Tree = """
        mkdir d && cd d
        head -c 12345 /dev/urandom > data && chmod 640 data
        echo hi > small && ln small hard && chmod 4755 small
        ln -s data link && mkfifo pipe && chmod 600 pipe
        : > empty && chown 1234:5678 empty
        touch -h -m -d @1700000000.5 data small link pipe empty
        """;

    /// <summary>ls -ln of a directory, without the "total" line (block counts differ between filesystems).</summary>
    private static string Listing(string dir) => Shell.Ok($"cd '{dir}' && ls -ln --time-style=+%s.%N | grep -v '^total'");

    [Fact]
    public void ReadDirPlus_AfterRemount_ListsTheNamesAndAttributesOfAStatPerEntry()
    {
        using var fs = new MountedFilesystem();
        var local = Directory.CreateTempSubdirectory("curvefs-ls-").FullName;
        try
        {
            Shell.Ok($"cd '{local}' && {Tree}");
            Shell.Ok($"cd '{fs.MountPoint}' && {Tree}");
            fs.Remount(); // the kernel knows nothing: the listing comes from readdirplus replies
            var listed = Listing(fs.PathOf("d"));
            Assert.Equal(Listing(Path.Combine(local, "d")), listed);
            Assert.Equal(6, listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            // Each name's attributes, asked one by one, agree with what the listing showed.
            var stats = Shell.Ok($"cd '{fs.PathOf("d")}' && stat -c '%n %A %h %u %g %s %Y' * | sort");
            Assert.Equal(Shell.Ok($"cd '{local}/d' && stat -c '%n %A %h %u %g %s %Y' * | sort"), stats);
        }
        finally
        {
            Directory.Delete(local, recursive: true);
        }
    }

    [Fact]
    public void UnchangedFile_KeepsItsPageCacheAcrossOpens_AChangedOneDropsIt()
    {
        using var fs = new MountedFilesystem();
        var path = fs.PathOf("cached");
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(1 << 20));
        Shell.Ok($"cat '{path}' > /dev/null && cat '{path}' > /dev/null"); // the second open records the version its pages have
        Assert.Equal(256, ResidentPages(path));
        Shell.Ok($"dd if='{path}' of=/dev/null count=0 status=none"); // open and close, reading nothing
        Assert.Equal(256, ResidentPages(path));

        Shell.Ok($"touch -m -d @1600000000 '{path}'"); // a new mtime: the pages may be of another version
        Shell.Ok($"dd if='{path}' of=/dev/null count=0 status=none");
        Assert.Equal(0, ResidentPages(path));
    }

    /// <summary>fincore's count of the file's pages in the page cache.</summary>
    private static long ResidentPages(string path) => long.Parse(Shell.Ok($"fincore --noheadings --raw --output PAGES '{path}'").Trim());

    [Fact]
    public void FileChangedThroughAnotherMount_IsSeenAfterCloseAndOpen()
    {
        using var cluster = new PlaygroundCluster();
        using var writer = MountedFilesystem.Of(cluster.MountArgs);
        using var reader = MountedFilesystem.Of(cluster.MountArgs, "-o", "entry_timeout=0.5,attr_timeout=0.5");
        var first = RandomNumberGenerator.GetBytes(3 << 20);
        File.WriteAllBytes(writer.PathOf("shared"), first);
        Assert.Equal(first, File.ReadAllBytes(reader.PathOf("shared")));
        Assert.Equal(first, File.ReadAllBytes(reader.PathOf("shared"))); // now from the reader's page cache

        // Same size, new bytes in the middle: only the data and mtime change.
        var patch = RandomNumberGenerator.GetBytes(5000);
        using (var file = new FileStream(writer.PathOf("shared"), FileMode.Open, FileAccess.Write))
        {
            file.Position = 1 << 20;
            file.Write(patch);
        }
        patch.CopyTo(first, 1 << 20);
        Assert.Equal(first, File.ReadAllBytes(reader.PathOf("shared")));
    }
}
