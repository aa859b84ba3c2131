using CurveFs.Mount.Fuse;
using Xunit;

namespace CurveFs.Tests.Fuse;

public sealed class TimespecTests
{
    [Theory]
    [InlineData(0L, 0L, 0L)]
    [InlineData(1_700_000_000_987_654_321L, 1_700_000_000L, 987_654_321L)]
    [InlineData(-1L, -1L, 999_999_999L)] // one nanosecond before the epoch
    [InlineData(-1_500_000_000L, -2L, 500_000_000L)]
    public void FromNanoseconds_SplitsWithNonNegativeNsec(long ns, long sec, long nsec)
    {
        Timespec t = Timespec.FromNanoseconds(ns);

        Assert.Equal((sec, nsec), (t.Sec, t.Nsec));
        Assert.Equal(ns, t.ToNanoseconds());
    }

    [Fact]
    public void ToNanoseconds_BeyondYear2262_Saturates()
    {
        Assert.Equal(long.MaxValue, new Timespec { Sec = long.MaxValue / 2 }.ToNanoseconds());
        Assert.Equal(long.MinValue, new Timespec { Sec = long.MinValue / 2 }.ToNanoseconds());
    }
}
