using System.Globalization;

namespace CurveFs.Benchmarks.Fio;

/// <summary>
/// One fio job as command-line options. Every job uses the synchronous engine (what an application's
/// read/write calls do), no preallocation (fallocate would add a metadata operation CurveFs turns into a
/// slice), and JSON output.
/// </summary>
public sealed record FioJob(string Name, IReadOnlyList<string> Options)
{
    public IReadOnlyList<string> Arguments =>
        [$"--name={Name}", .. Options, "--ioengine=psync", "--fallocate=none", "--output-format=json"];

    /// <summary>Writes the file front to back in 1 MiB requests and fsyncs it at the end (the time includes the fsync).</summary>
    public static FioJob SequentialWrite(string file, long bytes) =>
        new("seqwrite", [$"--filename={file}", "--rw=write", "--bs=1M", $"--size={Bytes(bytes)}", "--end_fsync=1"]);

    /// <summary>Reads the file front to back in 1 MiB requests. warm: keep the page cache (fio drops the file's
    /// cached pages before a job unless told not to).</summary>
    public static FioJob SequentialRead(string file, long bytes, bool warm) =>
        new(warm ? "seqread-warm" : "seqread-cold", [$"--filename={file}", "--rw=read", "--bs=1M", $"--size={Bytes(bytes)}", $"--invalidate={(warm ? 0 : 1)}"]);

    /// <summary>Random 4 KiB reads of the file for a time, from several processes at once.</summary>
    public static FioJob RandomRead(string file, long bytes, int seconds, int jobs) =>
        new("randread", [$"--filename={file}", "--rw=randread", "--bs=4k", $"--size={Bytes(bytes)}", "--time_based",
            $"--runtime={seconds.ToString(CultureInfo.InvariantCulture)}", $"--numjobs={jobs.ToString(CultureInfo.InvariantCulture)}", "--group_reporting"]);

    private static string Bytes(long bytes) => bytes.ToString(CultureInfo.InvariantCulture);
}
