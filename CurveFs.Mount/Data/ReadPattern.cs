namespace CurveFs.Mount.Data;

/// <summary>
/// The access pattern of one open file, for read-ahead. A read that starts where the previous ones
/// ended (give or take <see cref="Slack"/>: the kernel sends its own read-ahead requests concurrently,
/// so they arrive slightly out of order) is sequential; anything else is random and stops read-ahead.
/// The window starts at one block and doubles each time the reader has used half of what was read
/// ahead, up to a maximum, so a long sequential scan keeps many blocks in flight and a short or
/// random one costs no extra requests. Thread-safe.
/// </summary>
public sealed class ReadPattern
{
    /// <summary>How far a read may start from the expected offset and still count as sequential.</summary>
    public const long Slack = 1L << 20;

    private readonly object _lock = new();
    private long _expected = -1;
    private long _window;
    private long _aheadTo;
    private bool _random;

    /// <summary>The current read-ahead window in bytes (0 while the reader looks random).</summary>
    public long Window { get { lock (_lock) return _window; } }

    /// <summary>Whether the last read did not continue the ones before it.</summary>
    public bool IsRandom { get { lock (_lock) return _random; } }

    /// <summary>Records a read of [offset, offset + length) and returns the range to read ahead now
    /// (Start == End when nothing is due).</summary>
    /// <param name="initialWindow">the first window (a block).</param>
    /// <param name="maxWindow">the largest window; 0 turns read-ahead off.</param>
    public (long Start, long End) OnRead(long offset, int length, long initialWindow, long maxWindow)
    {
        var end = offset + length;
        lock (_lock)
        {
            var sequential = _expected < 0 ? offset == 0 : Math.Abs(offset - _expected) <= Slack;
            _random = !sequential;
            if (!sequential || maxWindow <= 0)
            {
                _expected = end;
                _window = 0;
                _aheadTo = 0;
                return (0, 0);
            }
            _expected = Math.Max(_expected, end);
            // Read ahead again once the reader has used half of the last window (or there is none yet).
            if (_window > 0 && end < _aheadTo - _window / 2) return (0, 0);
            _window = _window == 0 ? Math.Min(initialWindow, maxWindow) : Math.Min(_window * 2, maxWindow);
            var start = Math.Max(_aheadTo, end);
            _aheadTo = end + _window;
            return start < _aheadTo ? (start, _aheadTo) : (0, 0);
        }
    }
}
