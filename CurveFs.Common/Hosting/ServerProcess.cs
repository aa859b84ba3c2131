using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace CurveFs.Common.Hosting;

/// <summary>
/// What the server programs (<c>curvefs-metaserver run</c>, <c>curvefs-mds run</c>) share: the JSON
/// configuration file, one log line per event on standard error, and running a host until SIGINT/SIGTERM.
/// </summary>
public static class ServerProcess
{
    /// <summary>camelCase JSON, indented, every field written (what config files use).</summary>
    public static readonly JsonSerializerOptions ConfigJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Reads a JSON configuration file and validates it.</summary>
    /// <param name="validate">throws <see cref="InvalidDataException"/> naming the field and the reason.</param>
    /// <exception cref="InvalidDataException">not JSON, empty, or refused by <paramref name="validate"/>.</exception>
    /// <exception cref="IOException">the file cannot be read.</exception>
    public static T LoadConfig<T>(string path, Action<T> validate) where T : class
    {
        T? config;
        try
        {
            config = JsonSerializer.Deserialize<T>(File.ReadAllText(path), ConfigJson);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"config {path} is not valid JSON: {e.Message}", e);
        }
        if (config is null) throw new InvalidDataException($"config {path} is empty");
        validate(config);
        return config;
    }

    public static void SaveConfig<T>(T config, string path) => File.WriteAllText(path, JsonSerializer.Serialize(config, ConfigJson));

    /// <summary>One line per event on standard error with a timestamp; ASP.NET Core and gRPC at Warning and above.</summary>
    public static ILoggerFactory CreateLoggers(bool verbose, Action<ILoggingBuilder>? filters = null) =>
        LoggerFactory.Create(builder =>
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
            filters?.Invoke(builder);
        });

    /// <summary>
    /// Starts a host with <paramref name="start"/> and serves until SIGINT or SIGTERM, then disposes it.
    /// Returns 0 after a clean stop, 1 when the host could not start (the reason is logged and printed).
    /// </summary>
    /// <param name="program">names the process in messages ("curvefs-mds").</param>
    public static int RunUntilStopped(string program, ILoggerFactory loggers, Func<CancellationToken, Task<IAsyncDisposable>> start)
    {
        var logger = loggers.CreateLogger(program);
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        IAsyncDisposable host;
        try
        {
            host = start(stop.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            logger.LogInformation("stopped while starting");
            return 0;
        }
        catch (Exception e)
        {
            logger.LogError("cannot start: {Message}", e.Message);
            Console.Error.WriteLine($"{program}: cannot start: {e.Message}");
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
