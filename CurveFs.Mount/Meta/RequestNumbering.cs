using System.Security.Cryptography;

namespace CurveFs.Mount.Meta;

/// <summary>
/// Numbers a client's commands for deduplication (see CommandEnvelope): a random non-zero client ID,
/// increasing sequence numbers, and the set of numbers still in flight, whose smallest member is the
/// AckedBelow every new request carries (everything below it was answered and will not be retried).
/// Thread-safe.
/// </summary>
internal sealed class RequestNumbering
{
    private readonly SortedSet<ulong> _inFlight = [];
    private readonly Lock _lock = new();
    private ulong _last;

    private ulong _clientId;

    public RequestNumbering(ulong clientId = 0) => _clientId = clientId != 0 ? clientId : NewClientId();

    public ulong ClientId
    {
        get
        {
            lock (_lock) return _clientId;
        }
    }

    /// <summary>Numbers requests under another client ID from now on (a new session); numbers keep increasing.</summary>
    public void ChangeClientId(ulong clientId)
    {
        if (clientId == 0) throw new ArgumentOutOfRangeException(nameof(clientId));
        lock (_lock) _clientId = clientId;
    }

    /// <summary>Takes the next number; it stays in flight (holding AckedBelow back) until <see cref="End"/>.</summary>
    public (ulong ClientId, ulong Seq, ulong AckedBelow) Begin()
    {
        lock (_lock)
        {
            var seq = ++_last;
            _inFlight.Add(seq);
            return (_clientId, seq, _inFlight.Min);
        }
    }

    /// <summary>The request was answered or abandoned: it will never be sent again.</summary>
    public void End(ulong seq)
    {
        lock (_lock) _inFlight.Remove(seq);
    }

    /// <summary>Numbers in flight now (tests).</summary>
    public int InFlight
    {
        get
        {
            lock (_lock) return _inFlight.Count;
        }
    }

    private static ulong NewClientId()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong id;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            id = BitConverter.ToUInt64(bytes);
        } while (id == 0);
        return id;
    }
}
