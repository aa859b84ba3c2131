using System.CommandLine;

namespace CurveFs.Mount.Playground;

/// <summary><c>curvefs playground up|status|down DIR</c>: a whole cluster on loopback for trying CurveFs out.</summary>
public static class PlaygroundCommand
{
    public static Command Build()
    {
        var playground = new Command("playground", "Run a CurveFs cluster on this machine (loopback), with its state under DIR.");
        playground.Subcommands.Add(BuildUp());
        playground.Subcommands.Add(BuildDir("status", "One line per process: KIND ROLE PID ADDRESS.", dir => Playground.Status(dir, Console.Out)));
        playground.Subcommands.Add(BuildDir("down", "Unmount the playground's mount point if mounted and stop its processes (state is kept).", Playground.Down));
        return playground;
    }

    private static Command BuildUp()
    {
        var defaults = new PlaygroundOptions();
        var dir = new Argument<string>("DIR") { Description = "Where the cluster keeps its state, configs, data and logs (created if missing)." };
        var fsName = new Option<string>("--fs") { Description = "Name of the filesystem to create.", DefaultValueFactory = _ => defaults.FsName };
        var snapshotEvery = new Option<long>("--snapshot-every") { Description = "Metaservers snapshot their state and compact the log every N entries (new playgrounds only).", DefaultValueFactory = _ => defaults.SnapshotEvery };
        var copysets = new Option<int>("--copysets") { Description = "Copysets, each replicated on the 3 metaservers (new playgrounds only).", DefaultValueFactory = _ => defaults.Copysets };
        var lease = new Option<int>("--mds-lease") { Description = "Seconds of the MDS leader lease: how soon a standby takes over (new playgrounds only).", DefaultValueFactory = _ => defaults.MdsLeaseSeconds };
        var partitionSize = new Option<ulong>("--partition-size") { Description = "Inode IDs per metadata partition of the filesystem (0: the default, 1048576).", HelpName = "N" };
        var command = new Command("up", "Start etcd, an S3 server, 2 MDS and 3 metaservers (or whichever of DIR's are not running), create a filesystem and print the mount command.")
        {
            dir, fsName, snapshotEvery, copysets, lease, partitionSize,
        };
        command.SetAction(result => Playground.Up(Path.GetFullPath(result.GetValue(dir)!), new PlaygroundOptions
        {
            FsName = result.GetValue(fsName)!,
            SnapshotEvery = result.GetValue(snapshotEvery),
            Copysets = result.GetValue(copysets),
            MdsLeaseSeconds = result.GetValue(lease),
            PartitionSize = result.GetValue(partitionSize),
        }));
        return command;
    }

    private static Command BuildDir(string name, string description, Func<string, int> action)
    {
        var dir = new Argument<string>("DIR") { Description = "The playground's directory." };
        var command = new Command(name, description) { dir };
        command.SetAction(result => action(Path.GetFullPath(result.GetValue(dir)!)));
        return command;
    }
}
