using System.Text;

namespace CurveFs.Tests.Integration;

/// <summary>Open-file semantics through the real mount: append, truncate-on-open, unlinked-but-open
/// files, replaced-while-open files, large directories, and that deleted data leaves the object store.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class FileLifecycleTests(MountFixture mount) : IClassFixture<MountFixture>
{
    [Fact]
    public void AppendAndTruncateOnOpen_BehaveLikeLocalFiles()
    {
        var dir = mount.NewDir("append");
        Shell.Ok($"""
            cd '{dir}'
            for i in $(seq 1 200); do echo "line $i" >> log; done
            [ "$(wc -l < log)" = 200 ] && [ "$(tail -1 log)" = "line 200" ] && [ "$(head -1 log)" = "line 1" ]
            echo replaced > log && [ "$(cat log)" = replaced ]
            python3 -c "
            import os
            fd = os.open('ap', os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o644)
            os.write(fd, b'abc'); os.lseek(fd, 0, 0); os.write(fd, b'def'); os.close(fd)
            assert open('ap','rb').read() == b'abcdef', open('ap','rb').read()
            "
            """);
    }

    [Fact]
    public void UnlinkedOpenFile_StaysReadableAndWritable_UntilClosed()
    {
        var dir = mount.NewDir("orphan");
        var path = Path.Combine(dir, "temp");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite))
        {
            var payload = Encoding.ASCII.GetBytes(new string('z', 100_000));
            file.Write(payload);
            file.Flush(flushToDisk: true);
            File.Delete(path);
            Assert.False(File.Exists(path));
            file.Write(Encoding.ASCII.GetBytes("tail"));
            file.Flush(flushToDisk: true);
            file.Position = 0;
            var back = new byte[100_004];
            file.ReadExactly(back);
            Assert.Equal("tail", Encoding.ASCII.GetString(back, 100_000, 4));
            Assert.Equal((byte)'z', back[99_999]);
        }
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void FileReplacedByRenameWhileOpen_KeepsItsOldContentForTheReader()
    {
        var dir = mount.NewDir("replace");
        File.WriteAllText(Path.Combine(dir, "target"), "old content");
        using var reader = new FileStream(Path.Combine(dir, "target"), FileMode.Open, FileAccess.Read);
        File.WriteAllText(Path.Combine(dir, "new"), "new content");
        File.Move(Path.Combine(dir, "new"), Path.Combine(dir, "target"), overwrite: true);
        Assert.Equal("old content", new StreamReader(reader).ReadToEnd());
        Assert.Equal("new content", File.ReadAllText(Path.Combine(dir, "target")));
    }

    [Fact]
    public void DeletedData_IsRemovedFromTheObjectStore()
    {
        using var fs = new MountedFilesystem();
        var objects = Path.Combine(fs.DataDir, "objects");
        int CountObjects() => Directory.Exists(objects) ? Directory.GetFiles(objects, "*", SearchOption.AllDirectories).Length : 0;
        Shell.Ok($"head -c 9000000 /dev/urandom > '{fs.PathOf("big")}' && head -c 300000 /dev/urandom > '{fs.PathOf("small")}'");
        var before = CountObjects();
        Assert.True(before >= 4, $"expected the data as objects, found {before}");
        Shell.Ok($"rm '{fs.PathOf("big")}' && truncate -s 0 '{fs.PathOf("small")}'");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (CountObjects() > 0 && DateTime.UtcNow < deadline) Thread.Sleep(200);
        Assert.Equal(0, CountObjects());
        Assert.Equal(0, new FileInfo(fs.PathOf("small")).Length);
    }

    [Fact]
    public void LargeDirectory_ListsEveryEntryAcrossReaddirPages()
    {
        var dir = mount.NewDir("many");
        var output = Shell.Ok($"""
            cd '{dir}'
            for i in $(seq 1 3000); do : > "file-with-a-longish-name-$i"; done
            ls | wc -l
            ls -la | wc -l
            find . -type f | sort | uniq | wc -l
            """, timeout: TimeSpan.FromMinutes(5));
        var counts = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        Assert.Equal([3000, 3003, 3000], counts); // ls -la adds "total", ".", ".."
        Shell.Ok($"rm -rf '{dir}' && [ ! -e '{dir}' ]", timeout: TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void Statfs_ReportsUsage()
    {
        var dir = mount.NewDir("statfs");
        var before = Shell.Ok($"stat -f -c '%b %f %c %d %l' '{dir}'").Split(' ').Select(ulong.Parse).ToArray();
        Shell.Ok($"head -c 40000000 /dev/zero > '{dir}/forty' && for i in $(seq 1 50); do : > '{dir}/e'$i; done");
        var after = Shell.Ok($"stat -f -c '%b %f %c %d %l' '{dir}'").Split(' ').Select(ulong.Parse).ToArray();
        Assert.Equal(255ul, after[4]);
        Assert.True(before[1] - after[1] >= 40_000_000 / 4096, $"free blocks {before[1]} -> {after[1]}");
        Assert.True(before[3] - after[3] >= 51, $"free inodes {before[3]} -> {after[3]}");
    }
}
