using MessagePack;

namespace CurveFs.Common.Meta;

/// <summary>
/// A command as it is replicated: the command plus the request identity that makes retries safe.
/// A client numbers its requests (Seq) under a random ClientId; the state machine remembers the
/// result of each (key <c>9:{clientId}:{seq}</c>) and answers a repeated request with the stored result
/// instead of applying it twice. AckedBelow tells it which results the client will never ask for again,
/// so it can forget them. ClientId 0 means "no deduplication" (the embedded mode, internal commands).
/// </summary>
[MessagePackObject]
public sealed class CommandEnvelope
{
    [Key(0)] public ulong ClientId { get; set; }
    [Key(1)] public ulong Seq { get; set; }
    /// <summary>Every request of this client with a smaller Seq has been answered and will not be retried.</summary>
    [Key(2)] public ulong AckedBelow { get; set; }
    [Key(3)] public MetaCommand Command { get; set; } = null!;

    public static CommandEnvelope Unnumbered(MetaCommand command) => new() { Command = command };
}
