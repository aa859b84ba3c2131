using System.Globalization;
using CurveFs.Benchmarks.Report;

namespace CurveFs.Benchmarks.SmallFiles;

/// <summary>
/// The files of one small-file run under a root: all in one directory, or spread over the leaves of a
/// 3-level tree whose fan-out gives about ten files per leaf directory (10,000 files: 10 x 10 x 10 leaves).
/// Files are listed leaf by leaf, so parallel threads work in neighbouring files, like an unpacking tool.
/// </summary>
public sealed class FileSet
{
    public const int FilesPerLeaf = 10;

    private FileSet(IReadOnlyList<string> directories, IReadOnlyList<string> files)
    {
        Directories = directories;
        Files = files;
    }

    /// <summary>Directories to create before the run, parents first (the root itself included).</summary>
    public IReadOnlyList<string> Directories { get; }
    public IReadOnlyList<string> Files { get; }

    public static FileSet Create(string root, FileLayout layout, int files)
    {
        var directories = new List<string> { root };
        var paths = new List<string>(files);
        if (layout == FileLayout.OneDirectory)
        {
            for (var i = 0; i < files; i++) paths.Add(Path.Combine(root, FileName(i)));
            return new FileSet(directories, paths);
        }
        var fanOut = TreeFanOut(files);
        var leaves = new List<string>();
        for (var a = 0; a < fanOut; a++)
        {
            var first = Path.Combine(root, DirName(a));
            directories.Add(first);
            for (var b = 0; b < fanOut; b++)
            {
                var second = Path.Combine(first, DirName(b));
                directories.Add(second);
                for (var c = 0; c < fanOut; c++)
                {
                    var third = Path.Combine(second, DirName(c));
                    directories.Add(third);
                    leaves.Add(third);
                }
            }
        }
        var perLeaf = (files + leaves.Count - 1) / leaves.Count;
        for (var i = 0; i < files; i++) paths.Add(Path.Combine(leaves[i / perLeaf], FileName(i)));
        return new FileSet(directories, paths);
    }

    /// <summary>The smallest fan-out f (at least 2) with f^3 leaves holding about ten files each.</summary>
    public static int TreeFanOut(int files)
    {
        var fanOut = 2;
        while ((long)fanOut * fanOut * fanOut * FilesPerLeaf < files) fanOut++;
        return fanOut;
    }

    private static string FileName(int i) => "f" + i.ToString("D6", CultureInfo.InvariantCulture);
    private static string DirName(int i) => "d" + i.ToString("D2", CultureInfo.InvariantCulture);
}
