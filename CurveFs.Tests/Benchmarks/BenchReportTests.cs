using CurveFs.Benchmarks.Cli;
using CurveFs.Benchmarks.Infra;
using CurveFs.Benchmarks.Report;
using CurveFs.Benchmarks.SmallFiles;
using CurveFs.Benchmarks.Targets;

namespace CurveFs.Tests.Benchmarks;

public class BenchReportTests
{
    [Fact]
    public void MarkdownTable_Render_AlignsTextLeftAndFiguresRightAndEscapesPipes()
    {
        var table = new MarkdownTable(2, "target", "layout", "ops/s")
            .Add("a|b", "one dir", "12")
            .AddIfAny("skipped", "tree", Figures.Missing);

        Assert.Equal(
            "| target | layout | ops/s |\n|---|---|---:|\n| a\\|b | one dir | 12 |\n",
            table.Render().Replace("\r\n", "\n"));
        Assert.Equal(1, table.RowCount);
        Assert.Throws<ArgumentException>(() => table.Add("too", "few"));
    }

    [Theory]
    [InlineData(1234.56, "1235")]
    [InlineData(45.678, "45.7")]
    [InlineData(3.14159, "3.14")]
    [InlineData(null, "–")]
    [InlineData(double.NaN, "–")]
    public void Number_PrecisionFollowsMagnitude(double? value, string expected)
    {
        Assert.Equal(expected, Figures.Number(value));
    }

    [Theory]
    [InlineData(50.0, 200.0, true, "25 %")]
    [InlineData(3.0, 200.0, true, "1.5 %")]
    [InlineData(1.0, 1000.0, true, "0.10 %")]
    [InlineData(4.0, 2.0, false, "50 %")]   // seconds: twice as long is half the speed
    [InlineData(0.0, 2.0, true, "–")]
    public void Ratio_IsPercentOfBaselineSpeed(double value, double baseline, bool higherIsBetter, string expected)
    {
        Assert.Equal(expected, Figures.Ratio(value, baseline, higherIsBetter));
    }

    [Fact]
    public void Render_ComparesClusterDataWithRawS3AndTheRestWithPassthrough()
    {
        var report = new BenchReport(new BenchOptions { Workloads = Workloads.EndToEnd });
        report.Fio.Add(new FioFigures(TargetKind.Local) { SeqWriteMiBps = 600, ColdReadMiBps = 1000, WarmReadMiBps = 6000, RandReadIops = 100_000 });
        report.Fio.Add(new FioFigures(TargetKind.Passthrough) { SeqWriteMiBps = 500, ColdReadMiBps = 400, WarmReadMiBps = 800, RandReadIops = 80_000 });
        report.Fio.Add(new FioFigures(TargetKind.Cluster) { SeqWriteMiBps = 40, ColdReadMiBps = 100, WarmReadMiBps = 200, RandReadIops = 1040 });
        report.S3Raw = new S3RawFigures { Objects = 256, ObjectBytes = 4 << 20, InFlight = 16, PutMiBps = 160, GetMiBps = 400 };
        report.SmallFiles.Add(new SmallFileFigures(TargetKind.Passthrough, FileLayout.Tree, 4, 100) { Create = new(2000, 1), Stat = new(40_000, 0.1) });
        report.SmallFiles.Add(new SmallFileFigures(TargetKind.Embedded, FileLayout.Tree, 4, 100) { Create = new(500, 10, 3210), Stat = new(10_000, 0.5, 95.5), Error = "unlink f000001 failed: EIO" });
        report.Tar.Add(new TarFigures(TargetKind.Passthrough) { ExtractSeconds = 2, RemoveSeconds = 1 });
        report.Tar.Add(new TarFigures(TargetKind.Embedded) { ExtractSeconds = 8, RemoveSeconds = 1 });
        report.TargetErrors[TargetKind.Embedded] = "mount failed";

        var text = report.Render();

        Assert.Contains("| raw S3 | 160 | 400 | – | – | – | – |", text);
        Assert.Contains("| curvefs cluster (S3) | 25 % of raw S3 | 25 % of raw S3 | 25 % of passthrough_ll | 1.3 % of passthrough_ll |", text);
        Assert.Contains("| passthrough_ll (FUSE) | 83 % of local | 40 % of local | 13 % of local | 80 % of local |", text);
        Assert.Contains("| curvefs embedded | 3-level tree | 4 | 25 % of passthrough_ll | 25 % of passthrough_ll | – | – |", text);
        Assert.Contains("| curvefs embedded | 25 % of passthrough_ll | 100 % of passthrough_ll |", text);
        Assert.Contains("| curvefs embedded | 3-level tree | 4 | 3210 | 95.5 | – | – |", text); // CPU per operation
        Assert.DoesNotContain("| passthrough_ll (FUSE) | 3-level tree | 4 | – | – | – | – |", text); // no CPU figures, no row
        Assert.Contains("unlink f000001 failed: EIO", text);
        Assert.Contains("curvefs embedded could not be set up: mount failed", text);
        Assert.Equal(text, report.Render()); // rendering twice gives the same text
    }

    [Theory]
    [InlineData("cpu  10 5 20 1000 7 3 2 1 0 0", 100, 0.41)] // user+nice+system+irq+softirq+steal; idle and iowait left out
    [InlineData("cpu  10 5 20 1000 7 3 2 1 0 0", 1000, 0.041)]
    public void MachineCpu_BusySeconds_CountsEveryColumnButIdleAndIowait(string line, long ticksPerSecond, double expected) =>
        Assert.Equal(expected, MachineCpu.ParseBusySeconds(line, ticksPerSecond)!.Value, 6);

    [Theory]
    [InlineData("cpu0 1 2 3 4 5 6 7 8")]
    [InlineData("cpu  1 2 3")]
    [InlineData("cpu  1 2 x 4 5 6 7 8")]
    public void MachineCpu_BusySeconds_AnUnexpectedLineGivesNull(string line) => Assert.Null(MachineCpu.ParseBusySeconds(line, 100));

    [Fact]
    public void MachineCpu_BusySeconds_OnThisMachine_Grows()
    {
        var before = MachineCpu.BusySeconds();
        var until = DateTime.UtcNow.AddMilliseconds(100);
        while (DateTime.UtcNow < until) { } // busy on purpose
        Assert.True(MachineCpu.BusySeconds() > before);
    }

    [Fact]
    public void FileSet_Tree_HasThreeLevelsAndAboutTenFilesPerLeaf()
    {
        var set = FileSet.Create("/m/t", FileLayout.Tree, 10_000);

        Assert.Equal(10, FileSet.TreeFanOut(10_000));
        Assert.Equal(2, FileSet.TreeFanOut(5));
        Assert.Equal(1 + 10 + 100 + 1000, set.Directories.Count);
        Assert.Equal(10_000, set.Files.Count);
        Assert.Equal(10_000, set.Files.Distinct().Count());
        Assert.All(set.Files, f => Assert.Equal(6, f.Split('/', StringSplitOptions.RemoveEmptyEntries).Length)); // m, t, 3 directories, the file
        Assert.Equal(10, set.Files.GroupBy(Path.GetDirectoryName).Max(g => g.Count()));
        Assert.Equal("/m/t/d00/d00/d00/f000000", set.Files[0]);
    }

    [Fact]
    public void FileSet_OneDirectory_PutsEveryFileInTheRoot()
    {
        var set = FileSet.Create("/m/d", FileLayout.OneDirectory, 3);

        Assert.Equal(["/m/d"], set.Directories);
        Assert.Equal(["/m/d/f000000", "/m/d/f000001", "/m/d/f000002"], set.Files);
    }

    [Theory]
    [InlineData(0.99, 99.0)]
    [InlineData(0.5, 50.0)]
    [InlineData(1.0, 100.0)]
    [InlineData(0.001, 1.0)]
    public void Percentile_IsNearestRank(double p, double expected)
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();

        Assert.Equal(expected, ParallelRunner.Percentile(values, p));
    }

    [Fact]
    public void ParseMountCommand_FindsTheMdsAndFsInThePlaygroundOutput()
    {
        var output = """
            curvefs playground: started 2 mds process(es), waiting for them to serve ...
            mds leader 1234 127.0.0.1:40001

            Mount it with:
              curvefs mount --mds 127.0.0.1:40001,127.0.0.1:40002 --fs playground /tmp/pg/mnt
            """;

        var (mds, fsName) = ClusterTarget.ParseMountCommand(output);

        Assert.Equal("127.0.0.1:40001,127.0.0.1:40002", mds);
        Assert.Equal("playground", fsName);
        Assert.Throws<InvalidOperationException>(() => ClusterTarget.ParseMountCommand("curvefs playground: no leader"));
    }
}
