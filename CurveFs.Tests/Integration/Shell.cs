using System.Diagnostics;

namespace CurveFs.Tests.Integration;

public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs bash scripts the way a user would type them (set -euo pipefail), for the tool tests.</summary>
public static class Shell
{
    public static ShellResult Run(string script, string? workingDirectory = null, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("set -euo pipefail\n" + script);
        if (environment is not null) foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromMinutes(5);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new ShellResult(-1, stdout.Result, stderr.Result + $"\n(timed out after {limit.TotalSeconds} s)");
        }
        process.WaitForExit();
        return new ShellResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a script and fails the test with its output unless it exits 0. Returns stdout.</summary>
    public static string Ok(string script, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var result = Run(script, workingDirectory, timeout);
        Assert.True(result.ExitCode == 0, $"script failed:\n{script}\n{result}");
        return result.Stdout;
    }
}
