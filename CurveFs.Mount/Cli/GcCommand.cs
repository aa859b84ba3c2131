using System.CommandLine;
using CurveFs.Common.Rpc;
using CurveFs.Mount.Admin;
using CurveFs.Mount.ObjectStore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Mount.Cli;

/// <summary><c>curvefs gc --local DATA_DIR</c> or <c>curvefs gc --mds ADDRS --fs NAME</c>: finds objects no slice
/// or trash record references (uploads never committed) and, with --delete, deletes them. Exit 0 when nothing
/// is leaked (or all was deleted), 1 when leaks were found and kept, 2 when something could not be read.</summary>
public static class GcCommand
{
    public static Command Build()
    {
        var local = new Option<string?>("--local") { Description = "An embedded filesystem's data directory (it must not be mounted).", HelpName = "DATA_DIR" };
        var mds = new Option<string?>("--mds") { Description = "A cluster's MDS addresses (HOST:PORT,...); the data store comes from the filesystem's record.", HelpName = "ADDRS" };
        var fs = new Option<string?>("--fs") { Description = "With --mds: the filesystem to collect." };
        var storage = new Option<string?>("--storage") { Description = "With --mds: use this data store instead of the record's (local:/path or s3://bucket?endpoint=URL).", HelpName = "LOCATION" };
        var minAge = new Option<string>("--min-age") { Description = "Only objects older than this can be leaks (an upload is committed shortly after it ends): 0s, 10m, 1h, 2d.", DefaultValueFactory = _ => "1h" };
        var delete = new Option<bool>("--delete") { Description = "Delete the leaked objects (default: only report them)." };
        var command = new Command("gc", "Find (and with --delete, delete) data objects that no file references.") { local, mds, fs, storage, minAge, delete };
        command.SetAction(result => Run(result.GetValue(local), result.GetValue(mds), result.GetValue(fs), result.GetValue(storage), result.GetValue(minAge)!, result.GetValue(delete)));
        return command;
    }

    private static int Run(string? dataDir, string? mdsEndpoints, string? fsName, string? storageText, string minAgeText, bool delete)
    {
        if ((dataDir is null) == (mdsEndpoints is null) || (mdsEndpoints is not null && fsName is null) || (dataDir is not null && (fsName ?? storageText) is not null))
        {
            Console.Error.WriteLine("curvefs gc: give --local DATA_DIR, or --mds ADDRS --fs NAME [--storage LOCATION]");
            return 64;
        }
        if (!DurationParser.TryParse(minAgeText, out var minAge))
        {
            Console.Error.WriteLine($"curvefs gc: --min-age '{minAgeText}' is not a duration (e.g. 0s, 10m, 1h, 2d)");
            return 64;
        }
        if (!ObjectStoreLocation.TryParse(storageText, out var storage, out var storageError))
        {
            Console.Error.WriteLine($"curvefs gc: {storageError}");
            return 64;
        }
        try
        {
            return RunAsync(dataDir, mdsEndpoints, fsName, storage, minAge, delete).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or ObjectStoreException or MdsException)
        {
            Console.Error.WriteLine($"curvefs gc: {e.Message}");
            return 2;
        }
    }

    private static async Task<int> RunAsync(string? dataDir, string? mdsEndpoints, string? fsName, ObjectStoreLocation? storage, TimeSpan minAge, bool delete)
    {
        await using var target = dataDir is not null
            ? AdminTarget.OpenLocal(dataDir)
            : await AdminTarget.OpenMdsAsync(mdsEndpoints!, fsName!, storage, openStore: true, NullLogger.Instance).ConfigureAwait(false);
        var store = target.Store!;
        Console.WriteLine($"fs {target.Fs.Name} (id {target.Fs.FsId}): {target.CopysetIds.Count} copysets, data in {store.Description}");
        // Read before listing: an ID handed out after this may belong to an upload not committed yet.
        var ceiling = await target.ReadChunkIdCeilingAsync().ConfigureAwait(false);
        var gc = new ObjectGc(target.Fs.FsId, store, target.Copysets, target.CopysetIds, progress: line => Console.Error.WriteLine($"curvefs gc: {line}"));
        var report = await gc.RunAsync(new ObjectGcOptions { MinAge = minAge, ChunkIdCeiling = ceiling, Delete = delete }).ConfigureAwait(false);
        Print(report, minAge, ceiling, delete);
        return report.Leaked == 0 || report.Deleted == report.Leaked ? 0 : 1;
    }

    internal static void Print(ObjectGcReport report, TimeSpan minAge, ulong? ceiling, bool delete)
    {
        Console.WriteLine($"  {report.Objects} objects ({report.Bytes} bytes); {report.Referenced} referenced by {report.ReferencedChunkIds} chunk IDs in slice and trash records");
        Console.WriteLine($"  not judged: {report.TooYoung} younger than {DurationParser.Format(minAge)}, " +
                          $"{report.Unissued} with chunk IDs from {(ceiling is null ? "(counter unknown)" : ceiling.ToString())} up, {report.Foreign} not block keys");
        if (report.Leaked == 0)
        {
            Console.WriteLine("no leaked objects");
            return;
        }
        Console.WriteLine($"{report.Leaked} leaked objects ({report.LeakedBytes} bytes): no slice or trash record names their chunk ID");
        foreach (var key in report.Examples) Console.WriteLine($"  e.g. {key}");
        Console.WriteLine(delete ? $"deleted {report.Deleted} leaked objects" : "kept them: run again with --delete to delete them");
    }
}
