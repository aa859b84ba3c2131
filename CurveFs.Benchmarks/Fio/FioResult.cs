using System.Text.Json;

namespace CurveFs.Benchmarks.Fio;

/// <summary>The figures of one fio run (all jobs together): bytes/s and IOPS of each direction and the 99th
/// percentile completion latency.</summary>
public sealed record FioResult(
    string JobName,
    double ReadBytesPerSecond,
    double ReadIops,
    double? ReadP99Ms,
    double WriteBytesPerSecond,
    double WriteIops,
    double? WriteP99Ms,
    long ReadBytes,
    long WriteBytes)
{
    public double ReadMiBps => ReadBytesPerSecond / (1 << 20);
    public double WriteMiBps => WriteBytesPerSecond / (1 << 20);
}

/// <summary>
/// Parses fio's <c>--output-format=json</c> report. fio may print notes before the JSON document (for example
/// "note: both iodepth &gt;= 1 and synchronous I/O engine are selected"), so parsing starts at the first line
/// that opens an object. Jobs without group_reporting are summed.
/// </summary>
public static class FioResultParser
{
    public static FioResult Parse(string output)
    {
        var start = FindDocumentStart(output);
        if (start < 0) throw new FormatException($"fio printed no JSON report: {Excerpt(output)}");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(output.AsMemory(start), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new FormatException($"fio's JSON report does not parse ({e.Message}): {Excerpt(output[start..])}", e);
        }
        using (document)
        {
            if (!document.RootElement.TryGetProperty("jobs", out var jobs) || jobs.ValueKind != JsonValueKind.Array || jobs.GetArrayLength() == 0)
                throw new FormatException("fio's JSON report has no jobs");
            string name = "";
            double readBw = 0, readIops = 0, writeBw = 0, writeIops = 0;
            long readBytes = 0, writeBytes = 0;
            double? readP99 = null, writeP99 = null;
            foreach (var job in jobs.EnumerateArray())
            {
                name = job.TryGetProperty("jobname", out var n) ? n.GetString() ?? "" : "";
                if (job.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Number && error.GetInt32() != 0)
                    throw new FormatException($"fio job {name} failed with error {error.GetInt32()} ({ErrnoName(error.GetInt32())})");
                var read = job.GetProperty("read");
                var write = job.GetProperty("write");
                readBw += Number(read, "bw_bytes");
                readIops += Number(read, "iops");
                readBytes += (long)Number(read, "io_bytes");
                writeBw += Number(write, "bw_bytes");
                writeIops += Number(write, "iops");
                writeBytes += (long)Number(write, "io_bytes");
                readP99 = Max(readP99, P99Ms(read));
                writeP99 = Max(writeP99, P99Ms(write));
            }
            return new FioResult(name, readBw, readIops, readP99, writeBw, writeIops, writeP99, readBytes, writeBytes);
        }
    }

    private static int FindDocumentStart(string output)
    {
        if (output.StartsWith('{')) return 0;
        var at = output.IndexOf("\n{", StringComparison.Ordinal);
        return at < 0 ? -1 : at + 1;
    }

    private static double Number(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;

    /// <summary>The 99.00th percentile of clat_ns in milliseconds, or null when fio has none (no I/O that way).</summary>
    private static double? P99Ms(JsonElement direction)
    {
        if (!direction.TryGetProperty("clat_ns", out var clat)) return null;
        if (Number(clat, "N") == 0) return null;
        if (!clat.TryGetProperty("percentile", out var percentiles)) return null;
        return percentiles.TryGetProperty("99.000000", out var p99) && p99.ValueKind == JsonValueKind.Number ? p99.GetDouble() / 1e6 : null;
    }

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static string ErrnoName(int errno) => errno switch
    {
        5 => "EIO",
        28 => "ENOSPC",
        2 => "ENOENT",
        13 => "EACCES",
        22 => "EINVAL",
        _ => "see errno(3)",
    };

    private static string Excerpt(string text)
    {
        text = text.Trim();
        return text.Length > 300 ? text[..300] + " ..." : text;
    }
}
