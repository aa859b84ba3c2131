namespace CurveFs.Common.Fs;

/// <summary>Wall-clock time in the nanoseconds-since-epoch form every timestamp of CurveFs uses.</summary>
public static class Clock
{
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    public static long NowNs() => (DateTime.UtcNow.Ticks - EpochTicks) * 100;
}
