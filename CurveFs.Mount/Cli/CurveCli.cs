using System.CommandLine;

namespace CurveFs.Mount.Cli;

/// <summary>The <c>curvefs</c> command line: mount and the admin subcommands. Program.cs only calls <see cref="Run"/>.</summary>
public static class CurveCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("CurveFs client: mount a CurveFs filesystem and administer it.");
        root.Subcommands.Add(MountCommand.Build());
        root.Subcommands.Add(UmountCommand.Build());
        root.Subcommands.Add(CreateFsCommand.Build());
        root.Subcommands.Add(FsckCommand.Build());
        root.Subcommands.Add(GcCommand.Build());
        root.Subcommands.Add(StatusCommand.Build());
        root.Subcommands.Add(CreateFsCommand.BuildList());
        root.Subcommands.Add(CreateFsCommand.BuildDelete());
        root.Subcommands.Add(Playground.PlaygroundCommand.Build());
        return root;
    }

    public static int Run(string[] args)
    {
        var parsed = Build().Parse(args);
        var code = parsed.Invoke();
        return parsed.Errors.Count > 0 ? 64 : code;
    }
}
