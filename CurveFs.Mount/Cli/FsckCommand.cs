using System.CommandLine;
using CurveFs.Common.Rpc;
using CurveFs.Mount.Admin;
using CurveFs.Mount.Meta;
using CurveFs.Mount.Meta.Topology;
using CurveFs.Mount.Meta.Transactions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Mount.Cli;

/// <summary><c>curvefs fsck --mds ADDRS --fs NAME</c> (or <c>--metaservers ADDRS --fs NAME</c>): checks a
/// filesystem's metadata across its copysets; exit 0 when clean, 1 when damage was found.</summary>
public static class FsckCommand
{
    public static Command Build()
    {
        var mds = new Option<string?>("--mds") { Description = "The MDS addresses (HOST:PORT,...).", HelpName = "ADDRS" };
        var metaServers = new Option<string?>("--metaservers") { Description = "Metaserver addresses, for a cluster without an MDS.", HelpName = "ADDRS" };
        var fs = new Option<string>("--fs") { Description = "The filesystem to check.", Required = true };
        var resolve = new Option<bool>("--resolve") { Description = "First finish or undo cross-copyset transactions whose client went away (the only change fsck makes)." };
        var command = new Command("fsck", "Check a filesystem's metadata across all its copysets.") { mds, metaServers, fs, resolve };
        command.SetAction(result => Run(result.GetValue(mds), result.GetValue(metaServers), result.GetValue(fs)!, result.GetValue(resolve)));
        return command;
    }

    private static int Run(string? mdsEndpoints, string? metaServers, string fsName, bool resolve)
    {
        if ((mdsEndpoints is null) == (metaServers is null))
        {
            Console.Error.WriteLine("curvefs fsck: give --mds ADDRS or --metaservers ADDRS");
            return 64;
        }
        ILogger logger = NullLogger.Instance;
        try
        {
            return RunAsync(mdsEndpoints, metaServers, fsName, resolve, logger).GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"curvefs fsck: {e.Message}");
            return 2;
        }
    }

    private static async Task<int> RunAsync(string? mdsEndpoints, string? metaServers, string fsName, bool resolve, ILogger logger)
    {
        ClusterMetaClient client;
        MdsClient? mds = null;
        if (mdsEndpoints is not null)
        {
            mds = MdsClient.ForEndpoints(mdsEndpoints, logger: logger);
            var record = await mds.GetFsAsync(fsName).ConfigureAwait(false) ?? throw new IOException($"no filesystem named '{fsName}' in the MDS at {mdsEndpoints}");
            var topology = await MdsTopology.LoadAsync(mds, record.Info.FsId, logger).ConfigureAwait(false);
            var endpoints = topology.Copysets.SelectMany(topology.EndpointsOf).Distinct().ToList();
            if (endpoints.Count == 0) throw new IOException($"filesystem '{fsName}' has no copysets in the MDS's topology");
            client = new ClusterMetaClient(new ClusterMetaClientOptions { Endpoints = endpoints }, record.Info, topology, logger, clientId: 0);
        }
        else
        {
            var options = new ClusterMetaClientOptions { Endpoints = metaServers!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
            client = await ClusterMetaClient.ConnectAsync(options, fsName, logger).ConfigureAwait(false);
        }
        try
        {
            var copysets = client.Copysets;
            var fsck = new Fsck(client.Fs.FsId, client, client, new TxCoordinator(client, logger));
            var report = await fsck.RunAsync(copysets, resolve).ConfigureAwait(false);
            Console.WriteLine($"fs {fsName} (id {client.Fs.FsId}): {report.Copysets} copysets, {report.Inodes} inodes, {report.Dentries} entries" +
                              (resolve ? $", {report.ResolvedTransactions} transactions resolved" : ""));
            foreach (var problem in report.Problems) Console.WriteLine($"  {problem}");
            Console.WriteLine(report.Clean ? "no damage found" : $"{report.Problems.Count} problems found");
            return report.Clean ? 0 : 1;
        }
        finally
        {
            await client.DisposeAsync().ConfigureAwait(false);
            mds?.Dispose();
        }
    }
}
