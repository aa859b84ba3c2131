using CurveFs.Benchmarks.Infra;
using CurveFs.Benchmarks.Report;

namespace CurveFs.Benchmarks.Tar;

/// <summary>The tarball the tar workload unpacks: made once per run from a source tree (e.g. /usr/include) in a
/// temporary directory on the local disk.</summary>
public sealed class Tarball : IDisposable
{
    private readonly TempDir _dir;

    private Tarball(TempDir dir, string path, TarballInfo info)
    {
        _dir = dir;
        Path = path;
        Info = info;
    }

    public string Path { get; }
    public TarballInfo Info { get; }

    public static Tarball Create(string source, string workDir, TimeSpan timeout)
    {
        if (!Directory.Exists(source)) throw new InvalidOperationException($"tar source {source} is not a directory (--tar-source)");
        var full = System.IO.Path.GetFullPath(source).TrimEnd('/');
        var dir = new TempDir(workDir, "curvefs-bench-tarball-");
        try
        {
            var path = System.IO.Path.Combine(dir.Path, "tree.tar");
            var parent = System.IO.Path.GetDirectoryName(full) ?? "/";
            ProcessRunner.RunChecked("tar", ["-cf", path, "-C", parent, System.IO.Path.GetFileName(full)], timeout);
            var (files, directories, bytes) = Count(full);
            return new Tarball(dir, path, new TarballInfo(full, files, directories + 1, bytes));
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Regular files, directories (below root) and bytes of regular files. Symbolic links are neither
    /// counted nor followed (.NET's recursive enumeration would descend into a link to a directory, and a
    /// relative link can point elsewhere once unpacked).</summary>
    public static (int Files, int Directories, long Bytes) Count(string root)
    {
        int files = 0, directories = 0;
        long bytes = 0;
        // On Unix a symbolic link carries the ReparsePoint attribute; skipping it also keeps the enumeration out of it.
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", options))
        {
            if (entry.LinkTarget is not null) continue;
            if (entry is DirectoryInfo) directories++;
            else if (entry is FileInfo file)
            {
                files++;
                bytes += file.Length;
            }
        }
        return (files, directories, bytes);
    }

    /// <summary>Reads the tarball once so every target unpacks it from the page cache, not from the disk.</summary>
    public void Warm()
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        stream.CopyTo(Stream.Null, 1 << 20);
    }

    public void Dispose() => _dir.Dispose();
}
