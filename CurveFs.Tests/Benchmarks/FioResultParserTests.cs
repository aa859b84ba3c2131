using CurveFs.Benchmarks.Fio;

namespace CurveFs.Tests.Benchmarks;

/// <summary>fio's JSON report (3.x layout) as the benchmark driver reads it.</summary>
public class FioResultParserTests
{
    private static string Job(string name, long readBytes, double readBw, double readIops, long writeBytes, double writeBw, double writeIops, double readP99Ns = 0, int error = 0) => $$"""
        {
          "jobname" : "{{name}}",
          "groupid" : 0,
          "error" : {{error}},
          "job options" : { "rw" : "randread", "bs" : "4k" },
          "read" : {
            "io_bytes" : {{readBytes}}, "io_kbytes" : {{readBytes / 1024}}, "bw_bytes" : {{readBw}}, "bw" : {{readBw / 1024}},
            "iops" : {{readIops}}, "runtime" : 1001, "total_ios" : 10,
            "clat_ns" : { "min" : 1000, "max" : 90000, "mean" : 4000.5, "stddev" : 10.0, "N" : {{(readBytes > 0 ? 10 : 0)}},
              "percentile" : { "1.000000" : 1000, "50.000000" : 3000, "99.000000" : {{readP99Ns}}, "99.900000" : 90000 } }
          },
          "write" : {
            "io_bytes" : {{writeBytes}}, "bw_bytes" : {{writeBw}}, "iops" : {{writeIops}}, "runtime" : 764,
            "clat_ns" : { "min" : 0, "max" : 0, "mean" : 0.0, "stddev" : 0.0, "N" : 0 }
          },
          "trim" : { "io_bytes" : 0, "bw_bytes" : 0, "iops" : 0.0 },
          "sync" : { "total_ios" : 0, "lat_ns" : { "min" : 0, "max" : 0, "mean" : 0.0, "stddev" : 0.0, "N" : 0 } },
          "job_runtime" : 1000
        }
        """;

    private static string Report(params string[] jobs) =>
        $$"""{ "fio version" : "fio-3.33", "timestamp" : 1764000000, "jobs" : [ {{string.Join(",\n", jobs)}} ], "disk_util" : [] }""";

    [Fact]
    public void Parse_SequentialWrite_ReadsBandwidthOfWriteSide()
    {
        var result = FioResultParser.Parse(Report(Job("seqwrite", 0, 0, 0, 268435456, 351355308, 335.08)));

        Assert.Equal("seqwrite", result.JobName);
        Assert.Equal(351355308, result.WriteBytesPerSecond);
        Assert.Equal(351355308 / 1048576.0, result.WriteMiBps, 6);
        Assert.Equal(268435456, result.WriteBytes);
        Assert.Equal(0, result.ReadBytes);
        Assert.Null(result.ReadP99Ms);
    }

    [Fact]
    public void Parse_NotesBeforeTheJson_AreSkipped()
    {
        var output = "note: both iodepth >= 1 and synchronous I/O engine are selected, queue depth will be capped at 1\n"
            + Report(Job("randread", 56709120, 56652467, 13831.17, 0, 0, 0, readP99Ns: 2_500_000));

        var result = FioResultParser.Parse(output);

        Assert.Equal(13831.17, result.ReadIops, 2);
        Assert.Equal(2.5, result.ReadP99Ms!.Value, 6);
    }

    [Fact]
    public void Parse_SeveralJobsWithoutGroupReporting_SumsThroughputAndTakesWorstP99()
    {
        var result = FioResultParser.Parse(Report(
            Job("randread", 1000, 100, 10, 0, 0, 0, readP99Ns: 1_000_000),
            Job("randread", 3000, 300, 30, 0, 0, 0, readP99Ns: 4_000_000)));

        Assert.Equal(400, result.ReadBytesPerSecond);
        Assert.Equal(40, result.ReadIops);
        Assert.Equal(4000, result.ReadBytes);
        Assert.Equal(4.0, result.ReadP99Ms!.Value, 6);
    }

    [Fact]
    public void Parse_FailedJob_ThrowsWithTheErrno()
    {
        var error = Assert.Throws<FormatException>(() => FioResultParser.Parse(Report(Job("seqread-cold", 0, 0, 0, 0, 0, 0, error: 5))));

        Assert.Contains("seqread-cold", error.Message);
        Assert.Contains("EIO", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fio: failed parsing rw=bogus\n")]
    [InlineData("{ \"jobs\" : [ ] }")]
    [InlineData("{ \"jobs\" : [ { \"jobname\" : ")]
    public void Parse_NoUsableReport_ThrowsFormatException(string output)
    {
        Assert.Throws<FormatException>(() => FioResultParser.Parse(output));
    }

    [Fact]
    public void Jobs_WarmReadKeepsThePageCache_ColdReadDropsIt()
    {
        Assert.Contains("--invalidate=0", FioJob.SequentialRead("/m/f", 1 << 30, warm: true).Arguments);
        Assert.Contains("--invalidate=1", FioJob.SequentialRead("/m/f", 1 << 30, warm: false).Arguments);
        var write = FioJob.SequentialWrite("/m/f", 1L << 30).Arguments;
        Assert.Contains("--end_fsync=1", write);
        Assert.Contains("--size=1073741824", write);
        Assert.Contains("--output-format=json", write);
        var random = FioJob.RandomRead("/m/f", 1L << 30, 20, 4).Arguments;
        Assert.Contains("--runtime=20", random);
        Assert.Contains("--numjobs=4", random);
        Assert.Contains("--group_reporting", random);
    }
}
