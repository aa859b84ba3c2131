using CurveFs.Benchmarks.Infra;

namespace CurveFs.Benchmarks.Fio;

/// <summary>Runs fio jobs and parses their reports.</summary>
public sealed class FioRunner(TimeSpan timeout)
{
    public FioResult Run(FioJob job)
    {
        var outcome = ProcessRunner.Run("fio", job.Arguments, timeout);
        if (!outcome.Succeeded)
            throw new InvalidOperationException($"fio {job.Name} failed (exit {outcome.ExitCode}): {outcome.Excerpt()}");
        return FioResultParser.Parse(outcome.StandardOutput);
    }
}
