using System.CommandLine;
using CurveFs.Common.Hosting;
using CurveFs.MetaServer.Hosting;
using Microsoft.Extensions.Logging;

namespace CurveFs.MetaServer.Cli;

/// <summary><c>curvefs-metaserver run --config FILE</c>: serve the configured copysets until SIGINT/SIGTERM.</summary>
public static class RunCommand
{
    public static Command Build()
    {
        var config = new Option<string>("--config") { Description = "The metaserver's JSON configuration (see docs/metaserver.md).", Required = true };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug detail." };
        var run = new Command("run", "Serve this node's copysets (Raft) and the metadata RPC until stopped with SIGINT or SIGTERM.") { config, verbose };
        run.SetAction(result => Run(result.GetValue(config)!, result.GetValue(verbose)));
        return run;
    }

    private static int Run(string configPath, bool verbose)
    {
        MetaServerConfig config;
        try
        {
            config = MetaServerConfig.Load(configPath);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"curvefs-metaserver: {e.Message}");
            return ExitCodes.Usage;
        }
        // DotNext logs a stopped peer at Warning on every heartbeat.
        using var loggers = ServerProcess.CreateLoggers(verbose, builder => builder.AddFilter("DotNext", LogLevel.Error));
        return ServerProcess.RunUntilStopped("curvefs-metaserver", loggers,
            async token => await MetaServerHost.StartAsync(config, loggers, token).ConfigureAwait(false));
    }
}
