using System.CommandLine;
using CurveFs.Common.Hosting;
using CurveFs.Mds.Hosting;

namespace CurveFs.Mds.Cli;

/// <summary>The curvefs-mds command line. Program.cs only calls <see cref="Run"/>.</summary>
public static class MdsCli
{
    public const int ExitUsage = 64;

    public static RootCommand Build()
    {
        var root = new RootCommand("CurveFs MDS: filesystems, chunk IDs and leader election, kept in etcd.");
        var config = new Option<string>("--config") { Description = "The MDS's JSON configuration (see docs/mds.md).", Required = true };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug detail." };
        var run = new Command("run", "Serve the MDS RPC (as leader or standby) until stopped with SIGINT or SIGTERM.") { config, verbose };
        run.SetAction(result => RunServer(result.GetValue(config)!, result.GetValue(verbose)));
        root.Subcommands.Add(run);
        return root;
    }

    public static int Run(string[] args)
    {
        var parsed = Build().Parse(args);
        var code = parsed.Invoke();
        return parsed.Errors.Count > 0 ? ExitUsage : code;
    }

    private static int RunServer(string configPath, bool verbose)
    {
        MdsConfig config;
        try
        {
            config = MdsConfig.Load(configPath);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"curvefs-mds: {e.Message}");
            return ExitUsage;
        }
        using var loggers = ServerProcess.CreateLoggers(verbose);
        return ServerProcess.RunUntilStopped("curvefs-mds", loggers,
            async token => await MdsHost.StartAsync(config, loggers, token).ConfigureAwait(false));
    }
}
