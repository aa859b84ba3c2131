using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CurveFs.Tests.Fuse;

/// <summary>Keeps every log line so tests can assert what the binding reported.</summary>
internal sealed class CollectingLogger : ILogger
{
    public sealed record Line(LogLevel Level, string Message, Exception? Exception);

    public ConcurrentQueue<Line> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue(new Line(logLevel, formatter(state, exception), exception));
}
