using System.Diagnostics;

namespace CurveFs.Tests.Integration;

/// <summary>
/// A real <c>curvefs mount</c> process (embedded with --local, or a client of a metaserver cluster)
/// serving a temp mount point through FUSE. Tests use the mount point with ordinary syscalls and tools,
/// and can unmount, remount or kill -9 the process.
/// </summary>
public sealed class MountedFilesystem : IDisposable
{
    private static readonly TimeSpan MountTimeout = TimeSpan.FromSeconds(60);
    private readonly string[] _extraArgs;
    private readonly string[] _sourceArgs;
    private readonly string _root;
    private Process? _process;
    private ProcessLog? _log;
    private int _starts;
    private readonly IReadOnlyDictionary<string, string> _environment;

    /// <summary>An embedded filesystem in a temp data directory.</summary>
    public MountedFilesystem(params string[] extraArgs) : this(null, extraArgs)
    {
    }

    /// <summary>A mount of the filesystem the source arguments name (--metaservers ... --fs ... --storage ...).</summary>
    public static MountedFilesystem Of(string[] sourceArgs, params string[] extraArgs) => new(sourceArgs, extraArgs);

    /// <summary>A mount whose process gets extra environment variables (test hooks).</summary>
    public static MountedFilesystem WithEnvironment(IReadOnlyDictionary<string, string> environment, string[] sourceArgs, params string[] extraArgs) =>
        new(sourceArgs, extraArgs, environment);

    private MountedFilesystem(string[]? sourceArgs, string[] extraArgs, IReadOnlyDictionary<string, string>? environment = null)
    {
        _extraArgs = extraArgs;
        _environment = environment ?? new Dictionary<string, string>();
        _root = Directory.CreateTempSubdirectory("curvefs-it-").FullName;
        // Other users (the permission tests run as nobody) must be able to reach the mount point.
        File.SetUnixFileMode(_root, (UnixFileMode)0x1ED);
        DataDir = Path.Combine(_root, "data");
        MountPoint = Path.Combine(_root, "mnt");
        _sourceArgs = sourceArgs ?? ["--local", DataDir];
        Directory.CreateDirectory(MountPoint);
        Mount();
    }

    public string DataDir { get; }
    public string MountPoint { get; }
    public string LogPath => Path.Combine(_root, $"curvefs-{_starts}.log");
    public int? Pid => _process?.Id;

    /// <summary>A path inside the mount.</summary>
    public string PathOf(string relative) => Path.Combine(MountPoint, relative);

    public void Mount()
    {
        _starts++;
        var start = new ProcessStartInfo(Binaries.Curvefs) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "mount" }.Concat(_sourceArgs).Append(MountPoint).Concat(_extraArgs)) start.ArgumentList.Add(arg);
        foreach (var (name, value) in _environment) start.Environment[name] = value;
        _log?.Close();
        var log = _log = new ProcessLog(LogPath);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => log.Write(e.Data);
        process.ErrorDataReceived += (_, e) => log.Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = DateTime.UtcNow + MountTimeout;
        while (!MountTable.IsMounted(MountPoint))
        {
            if (process.HasExited) throw new InvalidOperationException($"curvefs exited with {process.ExitCode} before mounting:\n{ReadLog()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"curvefs did not mount within {MountTimeout}:\n{ReadLog()}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Unmounts the way a user does (curvefs umount) and waits for the process to finish.</summary>
    public void Unmount()
    {
        var result = Shell.Run($"'{Binaries.Curvefs}' umount '{MountPoint}'");
        Assert.True(result.ExitCode == 0, $"curvefs umount failed: {result}\n{ReadLog()}");
        WaitForExit(TimeSpan.FromSeconds(60));
        Assert.Equal(0, _process!.ExitCode);
    }

    /// <summary>kill -9 of the mount process, then detaching the dead mount.</summary>
    public void Kill9()
    {
        _process!.Kill();
        WaitForExit(TimeSpan.FromSeconds(30));
        Shell.Run($"fusermount3 -uz '{MountPoint}'");
    }

    public void Remount()
    {
        Unmount();
        Mount();
    }

    private void WaitForExit(TimeSpan timeout)
    {
        if (!_process!.WaitForExit(timeout)) throw new TimeoutException($"curvefs did not exit within {timeout}:\n{ReadLog()}");
        _process.WaitForExit();
    }

    /// <summary>Waits until the mount's log contains text (the logger writes in the background) and returns the log.</summary>
    public string WaitForLog(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        var log = ReadLog();
        while (!log.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
            log = ReadLog();
        }
        return log;
    }

    public string ReadLog()
    {
        try
        {
            using var file = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(file).ReadToEnd();
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public void Dispose()
    {
        if (MountTable.IsMounted(MountPoint)) Shell.Run($"fusermount3 -u '{MountPoint}' || fusermount3 -uz '{MountPoint}'");
        if (_process is { HasExited: false })
        {
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill();
        }
        _process?.Dispose();
        _log?.Close();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Appends a child's output lines to a file; lines that arrive after it is closed are dropped
/// (output callbacks can run after the process exited).</summary>
internal sealed class ProcessLog(string path)
{
    private readonly StreamWriter _writer = new(path) { AutoFlush = true };
    private bool _closed;

    public void Write(string? line)
    {
        if (line is null) return;
        lock (_writer)
        {
            if (!_closed) _writer.WriteLine(line);
        }
    }

    public void Close()
    {
        lock (_writer)
        {
            _closed = true;
            _writer.Dispose();
        }
    }
}
