using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using CurveFs.Benchmarks.Cli;
using CurveFs.Benchmarks.Infra;
using CurveFs.Mount.Fuse;

namespace CurveFs.Benchmarks.Targets;

/// <summary>
/// The FUSE ceiling: libfuse's <c>passthrough_ll</c> example (the low-level API, like CurveFs), compiled
/// from the libfuse3-dev package at run time and mounted over a local directory with its defaults
/// (multi-threaded, 1 s entry/attr timeout like CurveFs, no keep_cache, no writeback cache). Whatever it
/// costs over the local directory is the price of FUSE itself.
/// </summary>
public sealed class PassthroughTarget : BenchTarget
{
    public const string ExampleSource = "/usr/share/doc/libfuse3-dev/examples/passthrough_ll.c";
    private static readonly TimeSpan MountTimeout = TimeSpan.FromSeconds(20);

    private readonly TempDir _dir;
    private readonly string _mountPoint;
    private readonly Process _daemon;
    private readonly StringBuilder _log = new();

    public PassthroughTarget(string workDir)
    {
        _dir = new TempDir(workDir, "curvefs-bench-passthrough-");
        try
        {
            var binary = Compile(_dir.Path);
            var source = Directory.CreateDirectory(Path.Combine(_dir.Path, "src")).FullName;
            _mountPoint = Directory.CreateDirectory(Path.Combine(_dir.Path, "mnt")).FullName;
            var start = new ProcessStartInfo(binary)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            foreach (var arg in new[] { "-f", "-o", $"source={source}", _mountPoint }) start.ArgumentList.Add(arg);
            _daemon = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
            _daemon.OutputDataReceived += (_, e) => Append(e.Data);
            _daemon.ErrorDataReceived += (_, e) => Append(e.Data);
            _daemon.BeginOutputReadLine();
            _daemon.BeginErrorReadLine();
            var deadline = DateTime.UtcNow + MountTimeout;
            while (!FuseMountTable.IsMounted(_mountPoint))
            {
                if (_daemon.HasExited) throw new InvalidOperationException($"passthrough_ll exited with code {_daemon.ExitCode}: {Log}");
                if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"passthrough_ll did not mount {_mountPoint} within {MountTimeout.TotalSeconds} s: {Log}");
                Thread.Sleep(50);
            }
        }
        catch
        {
            Stop();
            _dir.Dispose();
            throw;
        }
    }

    public override TargetKind Kind => TargetKind.Passthrough;
    public override string Root => _mountPoint;

    private string Log
    {
        get
        {
            lock (_log) return _log.ToString().Trim();
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            if (_log.Length < 8000) _log.AppendLine(line);
        }
    }

    /// <summary>gcc -O2 passthrough_ll.c against libfuse3 into dir; returns the binary.</summary>
    private static string Compile(string dir)
    {
        var source = ExampleSource;
        if (!File.Exists(source))
        {
            if (!File.Exists(source + ".gz"))
                throw new InvalidOperationException($"{source} is missing: install libfuse3-dev (bench/run.sh does)");
            source = Path.Combine(dir, "passthrough_ll.c");
            using var packed = new GZipStream(File.OpenRead(ExampleSource + ".gz"), CompressionMode.Decompress);
            using var unpacked = File.Create(source);
            packed.CopyTo(unpacked);
        }
        var binary = Path.Combine(dir, "passthrough_ll");
        var flags = new List<string>();
        var pkgConfig = ProcessRunner.FindOnPath("pkg-config") is { } pc ? ProcessRunner.Run(pc, ["--cflags", "--libs", "fuse3"], TimeSpan.FromSeconds(30)) : null;
        if (pkgConfig is { Succeeded: true })
            flags.AddRange(pkgConfig.StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        else
            flags.AddRange(["-D_FILE_OFFSET_BITS=64", "-I/usr/include/fuse3", "-lfuse3", "-lpthread"]);
        ProcessRunner.RunChecked("gcc", ["-O2", "-o", binary, source, .. flags], TimeSpan.FromMinutes(2), dir);
        return binary;
    }

    private void Stop()
    {
        if (_mountPoint is not null && FuseMountTable.IsMounted(_mountPoint))
        {
            try
            {
                FuseMountTable.Unmount(_mountPoint, lazy: false);
            }
            catch (FuseException e)
            {
                Console.Error.WriteLine($"curvefs-bench: {e.Message}; unmounting lazily");
                try
                {
                    FuseMountTable.Unmount(_mountPoint, lazy: true);
                }
                catch (FuseException)
                {
                    // reported above
                }
            }
        }
        if (_daemon is null) return;
        if (!_daemon.WaitForExit(10_000))
        {
            try
            {
                _daemon.Kill();
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }
        }
        _daemon.Dispose();
    }

    public override void Dispose()
    {
        Stop();
        _dir.Dispose();
    }
}
