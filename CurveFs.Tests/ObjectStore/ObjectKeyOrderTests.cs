using System.Text;
using CurveFs.Mount.ObjectStore;
using Xunit;

namespace CurveFs.Tests.ObjectStore;

public sealed class ObjectKeyOrderTests
{
    [Theory]
    [InlineData("a-c", "a/b")]
    [InlineData("a/b", "a0")]
    [InlineData("a", "a/")]
    [InlineData("z", "\u00e9")]
    [InlineData("\uFFFD", "\U0001F600")] // U+FFFD (EF BF BD) before U+1F600 (F0 9F 98 80), unlike UTF-16 order
    public void Compare_FirstBeforeSecond_IsNegative(string first, string second)
    {
        Assert.True(ObjectKeyOrder.Compare(first, second) < 0);
        Assert.True(ObjectKeyOrder.Compare(second, first) > 0);
    }

    [Fact]
    public void Sort_RandomKeys_MatchesUtf8ByteOrder()
    {
        var random = new Random(42);
        string[] alphabet = ["a", "/", "-", "0", "\u00e9", "\uE000", "\uFFFD", "\U0001F600", "\U00010000"];
        string[] keys = [.. Enumerable.Range(0, 2_000).Select(_ =>
            string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(_ => alphabet[random.Next(alphabet.Length)])))];

        string[] byBytes = [.. keys.OrderBy(k => Encoding.UTF8.GetBytes(k), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))];
        string[] byComparer = [.. keys.Order(ObjectKeyOrder.Comparer)];

        Assert.Equal(byBytes, byComparer);
    }
}
