using System.CommandLine;
using CurveFs.Mount.Admin;
using CurveFs.Mount.Meta.Transactions;
using CurveFs.Mount.ObjectStore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Mount.Cli;

/// <summary><c>curvefs fsck --mds ADDRS --fs NAME</c> (or <c>--metaservers ADDRS --fs NAME</c>, or
/// <c>--local DATA_DIR</c>): checks a filesystem's metadata across its copysets, and with --objects looks for
/// leaked data objects; exit 0 when clean, 1 when damage was found.</summary>
public static class FsckCommand
{
    public static Command Build()
    {
        var local = new Option<string?>("--local") { Description = "An embedded filesystem's data directory (it must not be mounted).", HelpName = "DATA_DIR" };
        var mds = new Option<string?>("--mds") { Description = "The MDS addresses (HOST:PORT,...).", HelpName = "ADDRS" };
        var metaServers = new Option<string?>("--metaservers") { Description = "Metaserver addresses, for a cluster without an MDS.", HelpName = "ADDRS" };
        var fs = new Option<string?>("--fs") { Description = "With --mds or --metaservers: the filesystem to check." };
        var resolve = new Option<bool>("--resolve") { Description = "First finish or undo cross-copyset transactions whose client went away (the only change fsck makes)." };
        var objects = new Option<bool>("--objects") { Description = "Also list the data store and report objects no file references, older than an hour (curvefs gc --delete removes them)." };
        var storage = new Option<string?>("--storage") { Description = "With --objects: the data store (needed with --metaservers; overrides the MDS's record).", HelpName = "LOCATION" };
        var command = new Command("fsck", "Check a filesystem's metadata across all its copysets.") { local, mds, metaServers, fs, resolve, objects, storage };
        command.SetAction(result => Run(result.GetValue(local), result.GetValue(mds), result.GetValue(metaServers), result.GetValue(fs), result.GetValue(resolve),
            result.GetValue(objects), result.GetValue(storage)));
        return command;
    }

    private static int Run(string? dataDir, string? mdsEndpoints, string? metaServers, string? fsName, bool resolve, bool objects, string? storageText)
    {
        var sources = (dataDir is null ? 0 : 1) + (mdsEndpoints is null ? 0 : 1) + (metaServers is null ? 0 : 1);
        if (sources != 1 || (dataDir is null) == (fsName is null))
        {
            Console.Error.WriteLine("curvefs fsck: give --local DATA_DIR, or --mds ADDRS --fs NAME, or --metaservers ADDRS --fs NAME");
            return 64;
        }
        if (objects && metaServers is not null && storageText is null)
        {
            Console.Error.WriteLine("curvefs fsck: --objects with --metaservers needs --storage LOCATION");
            return 64;
        }
        if (!ObjectStoreLocation.TryParse(storageText, out var storage, out var storageError))
        {
            Console.Error.WriteLine($"curvefs fsck: {storageError}");
            return 64;
        }
        ILogger logger = NullLogger.Instance;
        try
        {
            return RunAsync(dataDir, mdsEndpoints, metaServers, fsName, resolve, objects, storage, logger).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or ObjectStoreException)
        {
            Console.Error.WriteLine($"curvefs fsck: {e.Message}");
            return 2;
        }
    }

    private static async Task<int> RunAsync(string? dataDir, string? mdsEndpoints, string? metaServers, string? fsName, bool resolve, bool objects,
        ObjectStoreLocation? storage, ILogger logger)
    {
        await using var target = dataDir is not null ? AdminTarget.OpenLocal(dataDir)
            : mdsEndpoints is not null ? await AdminTarget.OpenMdsAsync(mdsEndpoints, fsName!, storage, openStore: objects, logger).ConfigureAwait(false)
            : await AdminTarget.OpenMetaServersAsync(metaServers!, fsName!, storage, logger).ConfigureAwait(false);
        var fsck = new Fsck(target.Fs.FsId, target.Copysets, target.Locator, new TxCoordinator(target.Copysets, logger));
        var report = await fsck.RunAsync(target.CopysetIds, resolve).ConfigureAwait(false);
        var problems = report.Problems.ToList();
        Console.WriteLine($"fs {target.Fs.Name} (id {target.Fs.FsId}): {report.Copysets} copysets, {report.Inodes} inodes, {report.Dentries} entries, {report.Slices} slices, {report.ChunkIds} chunk IDs" +
                          (resolve ? $", {report.ResolvedTransactions} transactions resolved" : ""));
        if (objects)
        {
            var ceiling = await target.ReadChunkIdCeilingAsync().ConfigureAwait(false);
            var gc = new ObjectGc(target.Fs.FsId, target.Store!, target.Copysets, target.CopysetIds);
            var leaks = await gc.RunAsync(new ObjectGcOptions { ChunkIdCeiling = ceiling }).ConfigureAwait(false);
            Console.WriteLine($"data in {target.Store!.Description}: {leaks.Objects} objects ({leaks.Bytes} bytes), {leaks.Referenced} referenced");
            if (leaks.Leaked > 0)
                problems.Add(new("leaked-objects", $"{leaks.Leaked} objects ({leaks.LeakedBytes} bytes) older than an hour that no slice or trash record names " +
                                                   $"(e.g. {leaks.Examples[0]}); curvefs gc --delete removes them"));
        }
        foreach (var problem in problems) Console.WriteLine($"  {problem}");
        Console.WriteLine(problems.Count == 0 ? "no damage found" : $"{problems.Count} problems found");
        return problems.Count == 0 ? 0 : 1;
    }
}
