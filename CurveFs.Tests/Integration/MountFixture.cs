namespace CurveFs.Tests.Integration;

/// <summary>One mount shared by the tests of a class (each test works in its own subdirectory).</summary>
public sealed class MountFixture : IDisposable
{
    public MountedFilesystem Fs { get; } = new();

    /// <summary>A fresh directory inside the mount for one test.</summary>
    public string NewDir(string name)
    {
        var path = Fs.PathOf(name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose() => Fs.Dispose();
}

/// <summary>Integration tests run one at a time: each drives real processes and the machine has two cores.</summary>
[CollectionDefinition("Integration", DisableParallelization = true)]
public sealed class IntegrationCollection;
