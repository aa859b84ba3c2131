using CurveFs.Benchmarks.Cli;
using CurveFs.Benchmarks.Infra;
using CurveFs.Benchmarks.Report;
using CurveFs.Benchmarks.Targets;

namespace CurveFs.Benchmarks.Fio;

/// <summary>
/// The fio sequence on one target: sequential write (fsync at the end); cold sequential read (kernel caches
/// dropped, client caches emptied by a remount); warm sequential read (page cache kept); random 4 KiB reads
/// (kernel caches dropped, client caches as the warm read left them). A failed step ends the sequence and
/// is reported; the figures measured before it stay.
/// </summary>
public static class FioWorkload
{
    public static FioFigures Run(BenchTarget target, BenchOptions options)
    {
        var figures = new FioFigures(target.Kind);
        var fio = new FioRunner(options.StepTimeout + TimeSpan.FromSeconds(options.RandomReadSeconds));
        var file = Path.Combine(target.Root, "fio-seq.dat");
        var name = BenchTarget.Label(target.Kind);
        try
        {
            Progress.Say($"{name}: fio sequential write of {Figures.Bytes(options.SizeBytes)}");
            figures.SeqWriteMiBps = fio.Run(FioJob.SequentialWrite(file, options.SizeBytes)).WriteMiBps;

            Progress.Say($"{name}: fio cold sequential read");
            target.DropClientCaches();
            KernelCaches.Drop();
            figures.ColdReadMiBps = Checked(fio.Run(FioJob.SequentialRead(file, options.SizeBytes, warm: false)), options.SizeBytes).ReadMiBps;

            Progress.Say($"{name}: fio warm sequential read");
            figures.WarmReadMiBps = Checked(fio.Run(FioJob.SequentialRead(file, options.SizeBytes, warm: true)), options.SizeBytes).ReadMiBps;

            Progress.Say($"{name}: fio random 4 KiB reads for {options.RandomReadSeconds} s");
            KernelCaches.Drop();
            var random = fio.Run(FioJob.RandomRead(file, options.SizeBytes, options.RandomReadSeconds, options.RandomReadJobs));
            figures.RandReadIops = random.ReadIops;
            figures.RandReadMiBps = random.ReadMiBps;
            figures.RandReadP99Ms = random.ReadP99Ms;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or FormatException or IOException)
        {
            figures.Error = e.Message;
            Progress.Say($"{name}: fio failed: {e.Message}");
        }
        finally
        {
            TryDelete(file);
        }
        return figures;
    }

    /// <summary>A sequential read must read the whole file; less means the filesystem returned a short file.</summary>
    private static FioResult Checked(FioResult result, long expected)
    {
        if (result.ReadBytes < expected)
            throw new InvalidOperationException($"fio {result.JobName} read {result.ReadBytes} bytes of a {expected}-byte file");
        return result;
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Progress.Say($"could not delete {file}: {e.Message}");
        }
    }
}
