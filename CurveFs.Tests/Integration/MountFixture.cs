namespace CurveFs.Tests.Integration;

/// <summary>A mount that test classes share; each test works in its own subdirectory.</summary>
public interface IMountProvider
{
    MountedFilesystem Fs { get; }

    /// <summary>A fresh directory inside the mount for one test.</summary>
    string NewDir(string name);
}

/// <summary>One embedded mount shared by the tests of a class.</summary>
public sealed class MountFixture : IMountProvider, IDisposable
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

/// <summary>One mount of a 3-metaserver playground cluster shared by the tests of a class.</summary>
public sealed class ClusterMountFixture : IMountProvider, IDisposable
{
    public ClusterMountFixture()
    {
        Cluster = new PlaygroundCluster();
        try
        {
            Fs = MountedFilesystem.Of(Cluster.MountArgs);
        }
        catch
        {
            Cluster.Dispose();
            throw;
        }
    }

    public PlaygroundCluster Cluster { get; }
    public MountedFilesystem Fs { get; }

    public string NewDir(string name)
    {
        var path = Fs.PathOf(name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        Fs.Dispose();
        Cluster.Dispose();
    }
}

/// <summary>Integration tests run one at a time: each drives real processes and the machine has two cores.</summary>
[CollectionDefinition("Integration", DisableParallelization = true)]
public sealed class IntegrationCollection;
