using CurveFs.Mount.Cli;

namespace CurveFs.Tests.Mount.Cli;

public sealed class DurationParserTests
{
    [Theory]
    [InlineData("0s", 0)]
    [InlineData("90", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h", 3600)]
    [InlineData("1.5h", 5400)]
    [InlineData("2d", 172800)]
    public void TryParse_Durations_GiveSeconds(string text, double seconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("-1h")]
    [InlineData("h")]
    public void TryParse_Garbage_IsRefused(string text) => Assert.False(DurationParser.TryParse(text, out _));

    [Theory]
    [InlineData(3600, "1h")]
    [InlineData(600, "10m")]
    [InlineData(0, "0s")]
    [InlineData(45, "45s")]
    public void Format_PicksTheLargestWholeUnit(double seconds, string text) => Assert.Equal(text, DurationParser.Format(TimeSpan.FromSeconds(seconds)));
}
