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
        var dir = new Argument<string>("DIR") { Description = "Where the cluster keeps its state, configs and logs (created if missing)." };
        var fsName = new Option<string>("--fs") { Description = "Name of the filesystem to create.", DefaultValueFactory = _ => "playground" };
        var snapshotEvery = new Option<long>("--snapshot-every") { Description = "Metaservers snapshot their state and compact the log every N entries (new playgrounds only).", DefaultValueFactory = _ => 10_000 };
        var command = new Command("up", "Start 3 metaservers (or restart those of DIR), create a filesystem and print the mount command.") { dir, fsName, snapshotEvery };
        command.SetAction(result => Playground.Up(Path.GetFullPath(result.GetValue(dir)!), result.GetValue(fsName)!, result.GetValue(snapshotEvery)));
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
