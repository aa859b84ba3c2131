namespace CurveFs.Tests.Integration;

/// <summary>The built programs, copied next to the test assembly by the project references.</summary>
public static class Binaries
{
    public static string Curvefs => Find("curvefs");
    public static string MetaServer => Find("curvefs-metaserver");

    private static string Find(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, name);
        if (!File.Exists(path)) throw new FileNotFoundException($"{name} is not next to the tests ({path}); build the solution first");
        return path;
    }
}
