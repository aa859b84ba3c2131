using MessagePack;

namespace CurveFs.Common.Meta;

/// <summary>The credentials an operation runs with: uid, primary gid and supplementary groups.</summary>
[MessagePackObject]
public sealed record Caller(
    [property: Key(0)] uint Uid,
    [property: Key(1)] uint Gid,
    [property: Key(2)] uint[] Groups)
{
    public static readonly Caller Root = new(0, 0, []);

    [IgnoreMember] public bool IsRoot => Uid == 0;

    public bool InGroup(uint gid)
    {
        if (gid == Gid) return true;
        foreach (var g in Groups)
            if (g == gid) return true;
        return false;
    }
}
