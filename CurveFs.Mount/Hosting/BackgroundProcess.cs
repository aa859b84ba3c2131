using System.Diagnostics;

namespace CurveFs.Mount.Hosting;

/// <summary>
/// Starts a program detached from this one: a new session (setsid), so a terminal hangup does not
/// reach it, stdin from /dev/null and both output streams appended to a log file. The Process object
/// still tells its pid and, while we wait, its exit code.
/// </summary>
internal static class BackgroundProcess
{
    public static Process Start(string program, IEnumerable<string> args, string logFile, IReadOnlyDictionary<string, string>? environment = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.Environment["CURVEFS_LOG_TO"] = logFile;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec setsid \"$@\" </dev/null >>\"$CURVEFS_LOG_TO\" 2>&1");
        start.ArgumentList.Add("curvefs");
        start.ArgumentList.Add(program);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new IOException($"could not start {program}");
    }

    /// <summary>The program and leading arguments that run a sibling program of this installation
    /// (curvefs-metaserver beside curvefs), or this program itself when name is null. A framework-dependent
    /// run (dotnet curvefs.dll) needs the host and the dll; an apphost needs neither.</summary>
    public static (string Program, List<string> Args) Sibling(string? name)
    {
        var host = Environment.ProcessPath!;
        var viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        var dir = AppContext.BaseDirectory;
        if (name is null)
            return viaDotnet ? (host, [typeof(BackgroundProcess).Assembly.Location]) : (host, []);
        var apphost = Path.Combine(dir, name);
        if (File.Exists(apphost)) return (apphost, []);
        var dll = Path.Combine(dir, name + ".dll");
        if (File.Exists(dll)) return ("dotnet", [dll]);
        throw new FileNotFoundException($"{name} is not installed next to curvefs ({dir}); run ./install.sh");
    }

    /// <summary>The text a log file gained since offset (to show why a child failed).</summary>
    public static string ReadFrom(string path, long offset)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            file.Seek(Math.Min(offset, file.Length), SeekOrigin.Begin);
            return new StreamReader(file).ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
