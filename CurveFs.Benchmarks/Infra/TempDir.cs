namespace CurveFs.Benchmarks.Infra;

/// <summary>A temporary directory removed on dispose (under the benchmark's work directory).</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string parent, string prefix)
    {
        Directory.CreateDirectory(parent);
        Path = System.IO.Path.Combine(parent, prefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"curvefs-bench: could not remove {Path}: {e.Message}");
        }
    }
}
