using System.CommandLine;
using System.Runtime.InteropServices;
using CurveFs.MetaServer.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

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
        using var loggers = LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
            builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
            builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.AddFilter("Microsoft", LogLevel.Warning);
            builder.AddFilter("Grpc", LogLevel.Warning);
            // DotNext logs a stopped peer at Warning on every heartbeat.
            builder.AddFilter("DotNext", LogLevel.Error);
        });
        var logger = loggers.CreateLogger("curvefs-metaserver");
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        MetaServerHost host;
        try
        {
            host = MetaServerHost.StartAsync(config, loggers, stop.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError("cannot start: {Message}", e.Message);
            Console.Error.WriteLine($"curvefs-metaserver: cannot start: {e.Message}");
            return 1;
        }
        try
        {
            stop.Token.WaitHandle.WaitOne();
            logger.LogInformation("stopping");
        }
        finally
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return 0;
    }
}
