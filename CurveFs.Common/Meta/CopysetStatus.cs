using MessagePack;

namespace CurveFs.Common.Meta;

public enum CopysetRole
{
    Leader,
    Follower,
    Candidate,
    /// <summary>The replica refuses to serve: see <see cref="CopysetStatus.Problem"/>.</summary>
    Unavailable,
}

/// <summary>A replica's state, for clients (who is leader), operators (playground status) and tests.</summary>
[MessagePackObject]
public sealed record CopysetStatus(
    [property: Key(0)] uint CopysetId,
    [property: Key(1)] CopysetRole Role,
    [property: Key(2)] string? LeaderEndpoint,
    [property: Key(3)] long Term,
    [property: Key(4)] long CommitIndex,
    [property: Key(5)] long AppliedIndex,
    [property: Key(6)] string? Problem = null);
