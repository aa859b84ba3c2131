using System.CommandLine;
using CurveFs.Common.Snapshot;

namespace CurveFs.MetaServer.Cli;

/// <summary><c>curvefs-metaserver snapshot dump|verify FILE</c>: offline inspection of snapshot files
/// (format in docs/snapshot-format.md). Both verify the whole file before printing any pair.</summary>
public static class SnapshotCommand
{
    public static Command Build()
    {
        var snapshot = new Command("snapshot", "Inspect CurveFs snapshot files.");
        snapshot.Subcommands.Add(BuildDump());
        snapshot.Subcommands.Add(BuildVerify());
        return snapshot;
    }

    private static Command BuildDump()
    {
        var file = new Argument<string>("FILE") { Description = "Snapshot file to dump." };
        var keysOnly = new Option<bool>("--keys-only") { Description = "Print keys only, not values." };
        var prefix = new Option<string?>("--prefix")
        {
            Description = "Only pairs whose key starts with P (\\xNN and \\\\ escapes as in the output).",
            HelpName = "P",
        };
        var dump = new Command("dump",
            "Verify FILE, then print one line per pair: key, TAB, value length, TAB, value as JSON (MessagePack) or hex.")
        {
            file, keysOnly, prefix,
        };
        dump.SetAction(result => Dump(result, result.GetValue(file)!, result.GetValue(keysOnly), result.GetValue(prefix)));
        return dump;
    }

    private static Command BuildVerify()
    {
        var file = new Argument<string>("FILE") { Description = "Snapshot file to verify." };
        var verify = new Command("verify",
            "Check FILE's structure and CRC32C. Exit 0 if intact, 1 if corrupt, 2 if it cannot be read.")
        {
            file,
        };
        verify.SetAction(result => Verify(result, result.GetValue(file)!));
        return verify;
    }

    private static int Verify(ParseResult result, string file)
    {
        TextWriter output = result.InvocationConfiguration.Output;
        TextWriter error = result.InvocationConfiguration.Error;
        try
        {
            SnapshotInfo info = SnapshotReader.Verify(file);
            output.WriteLine($"ok: {file} {info}");
            return ExitCodes.Ok;
        }
        catch (Exception e) when (IsFileFailure(e))
        {
            return Report(error, file, e);
        }
    }

    private static int Dump(ParseResult result, string file, bool keysOnly, string? prefixText)
    {
        TextWriter output = result.InvocationConfiguration.Output;
        TextWriter error = result.InvocationConfiguration.Error;
        byte[] prefix = prefixText is null ? [] : SnapshotText.ParseKey(prefixText);
        try
        {
            using SnapshotReader reader = SnapshotReader.Open(file);
            output.WriteLine($"# {file}: {reader.Info}");
            var values = new ValueRenderer();
            reader.ForEachPair((key, value) =>
            {
                if (!key.StartsWith(prefix))
                {
                    return;
                }
                SnapshotText.WriteKey(output, key);
                if (!keysOnly)
                {
                    output.Write('\t');
                    output.Write(value.Length);
                    output.Write('\t');
                    values.Write(output, value);
                }
                output.WriteLine();
            });
            return ExitCodes.Ok;
        }
        catch (Exception e) when (IsFileFailure(e))
        {
            return Report(error, file, e);
        }
    }

    private static bool IsFileFailure(Exception e) =>
        e is SnapshotCorruptException or IOException or UnauthorizedAccessException;

    private static int Report(TextWriter error, string file, Exception e)
    {
        switch (e)
        {
            case SnapshotCorruptException:
                error.WriteLine(e.Message);
                return ExitCodes.Corrupt;
            case UnauthorizedAccessException when Directory.Exists(file):
                error.WriteLine($"snapshot {file}: is a directory, not a snapshot file");
                return ExitCodes.Unreadable;
            case FileNotFoundException or DirectoryNotFoundException:
                error.WriteLine($"snapshot {file}: no such file; check the path");
                return ExitCodes.Unreadable;
            default:
                error.WriteLine($"snapshot {file}: cannot read the file: {e.Message}");
                return ExitCodes.Unreadable;
        }
    }
}
