using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace CurveFs.Tests.Raft;

/// <summary>Collects the log lines of the replicas (CurveFs at Information, DotNext at Warning and up) so a
/// test can assert on them and print them when it fails.</summary>
internal sealed class RaftTestLog : ILoggerFactory, ILoggerProvider
{
    public sealed record Line(DateTime Time, LogLevel Level, string Category, string Message, Exception? Exception)
    {
        public override string ToString() =>
            $"{Time:HH:mm:ss.fff} {Level,-11} {Category}: {Message}{(Exception is null ? "" : $" [{Exception.GetType().Name}: {Exception.Message}]")}";
    }

    /// <summary>CURVEFS_RAFT_TEST_LOG=always prints the log of passing tests too.</summary>
    public static bool Always => Environment.GetEnvironmentVariable("CURVEFS_RAFT_TEST_LOG") == "always";

    public ConcurrentQueue<Line> Lines { get; } = new();

    public bool Contains(string text) => Lines.Any(l => l.Message.Contains(text, StringComparison.Ordinal));

    public void WriteTo(ITestOutputHelper output, int last = 100_000)
    {
        foreach (var line in Lines.TakeLast(last)) output.WriteLine(line.ToString());
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(RaftTestLog log, string category) : ILogger
    {
        // CURVEFS_RAFT_TEST_DOTNEXT_LOG=Debug shows DotNext's own reasoning (elections, replication) when chasing a failure.
        private readonly LogLevel _minimum = category.StartsWith("CurveFs", StringComparison.Ordinal) ? LogLevel.Information
            : Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("CURVEFS_RAFT_TEST_DOTNEXT_LOG"), out var level) ? level : LogLevel.Warning;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) log.Lines.Enqueue(new Line(DateTime.Now, logLevel, category, formatter(state, exception), exception));
        }
    }
}
