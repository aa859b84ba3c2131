using CurveFs.Benchmarks.Tar;

namespace CurveFs.Tests.Benchmarks;

public sealed class TarballTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("curvefs-tarball-test-").FullName;

    [Fact]
    public void Count_SymbolicLinks_AreNeitherCountedNorFollowed()
    {
        File.WriteAllBytes(Path.Combine(_root, "a.h"), new byte[10]);
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.WriteAllBytes(Path.Combine(_root, "sub", "b.h"), new byte[5]);
        File.CreateSymbolicLink(Path.Combine(_root, "link-to-file.h"), "a.h");
        Directory.CreateSymbolicLink(Path.Combine(_root, "link-to-dir"), "sub");
        Directory.CreateSymbolicLink(Path.Combine(_root, "link-outside"), "/usr");

        var (files, directories, bytes) = Tarball.Count(_root);

        Assert.Equal(2, files);
        Assert.Equal(1, directories);
        Assert.Equal(15, bytes);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
