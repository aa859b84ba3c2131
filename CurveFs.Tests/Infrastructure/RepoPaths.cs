namespace CurveFs.Tests.Infrastructure;

/// <summary>Paths inside the repository the tests run from.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The directory holding CurveFs.sln, found by walking up from the test assembly's directory.</summary>
    public static string Root => s_root.Value;

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "CurveFs.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException(
            $"no CurveFs.sln above {AppContext.BaseDirectory}: run the tests from a checkout of the repository");
    }
}
