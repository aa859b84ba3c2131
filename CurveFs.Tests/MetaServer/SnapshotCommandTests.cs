using System.Diagnostics;
using CurveFs.Common.Snapshot;
using CurveFs.MetaServer.Cli;
using CurveFs.Tests.Common;
using Xunit;

namespace CurveFs.Tests.MetaServer;

public class SnapshotCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Verify_GoodFile_PrintsSummaryAndExitsZero()
    {
        string path = _dir.File("good.snap");
        SnapshotInfo info = SnapshotWriter.Write(path, SnapshotSamples.SmallPairs());

        (int exit, string output, string error) = Run("snapshot", "verify", path);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal($"ok: {path} version 1, 4 pairs, {info.FileSize} bytes, crc32c 0x{info.Checksum:X8}\n", output);
        Assert.Empty(error);
    }

    [Fact]
    public void Verify_CorruptFile_PrintsTheReasonToStderrAndExitsOne()
    {
        string path = CorruptFile();

        (int exit, string output, string error) = Run("snapshot", "verify", path);

        Assert.Equal(ExitCodes.Corrupt, exit);
        Assert.Empty(output);
        Assert.StartsWith($"snapshot {path}: checksum mismatch (stored 0x", error);
    }

    [Fact]
    public void Verify_MissingFile_ExitsTwo()
    {
        string path = _dir.File("missing.snap");

        (int exit, _, string error) = Run("snapshot", "verify", path);

        Assert.Equal(ExitCodes.Unreadable, exit);
        Assert.Equal($"snapshot {path}: no such file; check the path\n", error);
    }

    [Fact]
    public void Dump_GoodFile_PrintsHeaderAndOneLinePerPair()
    {
        string path = _dir.File("dump.snap");
        SnapshotInfo info = SnapshotWriter.Write(path, SnapshotSamples.SmallPairs());

        (int exit, string output, string error) = Run("snapshot", "dump", path);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Empty(error);
        Assert.Equal(
            $"# {path}: {info}\n"
            + "1:0001:0000000001\t14\t{\"mode\":16877,\"uid\":0}\n"
            + "\t1\t1\n"
            + "\\x00\\xff\\\\\t0\t\n"
            + "3:0001:0000000001:hello\t5\thex:776f726c64\n",
            output);
    }

    [Fact]
    public void Dump_KeysOnlyWithEscapedPrefix_PrintsMatchingKeys()
    {
        string path = _dir.File("keys.snap");
        SnapshotWriter.Write(path, SnapshotSamples.SmallPairs());

        (int exit, string output, _) = Run("snapshot", "dump", "--keys-only", "--prefix", "\\x00", path);
        (_, string prefixed, _) = Run("snapshot", "dump", path, "--keys-only", "--prefix", "3:");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.EndsWith("\n\\x00\\xff\\\\\n", output);
        Assert.Equal(2, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith("\n3:0001:0000000001:hello\n", prefixed);
    }

    [Fact]
    public void Dump_CorruptFile_PrintsNoPairsAndExitsOne()
    {
        (int exit, string output, string error) = Run("snapshot", "dump", CorruptFile());

        Assert.Equal(ExitCodes.Corrupt, exit);
        Assert.Empty(output);
        Assert.Contains("checksum mismatch", error);
    }

    [Fact]
    public void Dump_MissingFile_ExitsTwo()
    {
        (int exit, _, string error) = Run("snapshot", "dump", _dir.File("missing.snap"));

        Assert.Equal(ExitCodes.Unreadable, exit);
        Assert.Contains("no such file", error);
    }

    [Theory]
    [InlineData]
    [InlineData("snapshot")]
    [InlineData("snapshot", "verify")]
    [InlineData("snapshot", "dump", "a", "b")]
    [InlineData("snapshot", "frobnicate", "a")]
    public void Run_WrongUsage_PrintsHelpAndExitsUsage(params string[] args)
    {
        (int exit, string output, string error) = Run(args);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("Usage:", output);
        Assert.NotEmpty(error);
    }

    [Fact]
    public void SnapshotText_ParseKey_ReversesWriteKey()
    {
        byte[] key = [0x00, (byte)'a', (byte)'\\', (byte)'x', 0x7F, 0xC3, 0xA9, (byte)' ', (byte)'\t'];

        string text = SnapshotText.EscapeKey(key);

        Assert.Equal("\\x00a\\\\x\\x7f\\xc3\\xa9 \\x09", text);
        Assert.Equal(key, SnapshotText.ParseKey(text));
        Assert.Equal("é\\x"u8.ToArray(), SnapshotText.ParseKey("é\\x"));
    }

    [Fact]
    public void ValueRenderer_MessagePackWithTrailingBytes_IsShownAsHex()
    {
        var renderer = new ValueRenderer();

        Assert.Equal("[1,2]", renderer.Render([0x92, 0x01, 0x02]));
        Assert.Equal("hex:920102ff", renderer.Render([0x92, 0x01, 0x02, 0xFF]));
        Assert.Equal("hex:c1", renderer.Render([0xC1]));
        Assert.Equal("hex:" + new string('0', 64) + "...", renderer.Render(new byte[40]));
        Assert.Equal("", renderer.Render([]));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Process_VerifyGoodCorruptMissing_ExitCodes()
    {
        string good = _dir.File("good.snap");
        SnapshotWriter.Write(good, SnapshotSamples.SmallPairs());

        (int okExit, string okOutput, _) = RunProcess("snapshot", "verify", good);
        (int corruptExit, _, string corruptError) = RunProcess("snapshot", "verify", CorruptFile());
        (int missingExit, _, _) = RunProcess("snapshot", "verify", _dir.File("missing.snap"));
        (int usageExit, string usageOutput, _) = RunProcess("snapshot");

        Assert.Equal(0, okExit);
        Assert.StartsWith($"ok: {good} version 1, 4 pairs", okOutput);
        Assert.Equal(1, corruptExit);
        Assert.Contains("checksum mismatch", corruptError);
        Assert.Equal(2, missingExit);
        Assert.Equal(64, usageExit);
        Assert.Contains("Usage:", usageOutput);
    }

    private string CorruptFile()
    {
        string path = _dir.File("corrupt.snap");
        SnapshotWriter.Write(path, SnapshotSamples.SmallPairs());
        byte[] bytes = File.ReadAllBytes(path);
        bytes[30] ^= 0x40; // inside the first key: only the checksum can notice
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int exit = MetaServerCli.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static (int Exit, string Output, string Error) RunProcess(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "curvefs-metaserver.dll");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "curvefs-metaserver did not exit within 60 s");
        return (process.ExitCode, output, error.Result);
    }

    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host))
        {
            return host;
        }
        string? current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
