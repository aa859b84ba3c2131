using System.ComponentModel;
using System.Diagnostics;

namespace CurveFs.Benchmarks.Infra;

/// <summary>What a finished program printed and how long it took.</summary>
public sealed record ProcessOutcome(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The first lines of standard error (or output) for an error message.</summary>
    public string Excerpt()
    {
        var text = (StandardError.Trim().Length > 0 ? StandardError : StandardOutput).Trim();
        return text.Length > 600 ? text[..600] + " ..." : text;
    }
}

/// <summary>Runs external programs (fio, tar, gcc, curvefs) with a time limit.</summary>
public static class ProcessRunner
{
    /// <summary>Runs a program to completion, capturing its output. A program that overruns the timeout is
    /// killed (with its children) and reported as a <see cref="TimeoutException"/> naming the command.</summary>
    public static ProcessOutcome Run(string program, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        if (environment is not null)
        {
            foreach (var (key, value) in environment) start.Environment[key] = value;
        }
        Process process;
        var watch = Stopwatch.StartNew();
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"could not run {program} ({e.Message}): is it installed? bench/run.sh installs what the benchmarks need", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // exited meanwhile
                }
                throw new TimeoutException($"{Describe(program, start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s and was killed");
            }
            process.WaitForExit();
            return new ProcessOutcome(process.ExitCode, stdout.Result, stderr.Result, watch.Elapsed);
        }
    }

    /// <summary>Runs a program and throws with its output when it fails.</summary>
    public static ProcessOutcome RunChecked(string program, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var list = args.ToList();
        var outcome = Run(program, list, timeout, workingDirectory, environment);
        if (!outcome.Succeeded)
            throw new InvalidOperationException($"{Describe(program, list)} failed (exit {outcome.ExitCode}): {outcome.Excerpt()}");
        return outcome;
    }

    public static string Describe(string program, IEnumerable<string> args) =>
        string.Join(' ', new[] { Path.GetFileName(program) }.Concat(args.Select(a => a.Contains(' ') ? $"'{a}'" : a)));

    /// <summary>True while a process (not necessarily our child) exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{pid}/status");
            return !status.Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Waits until a process is gone; false when it is still there at the deadline.</summary>
    public static bool WaitForExit(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(50);
        }
        return true;
    }

    /// <summary>The absolute path of a program on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
