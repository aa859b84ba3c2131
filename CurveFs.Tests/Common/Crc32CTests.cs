using System.Text;
using CurveFs.Common.Checksums;
using Xunit;

namespace CurveFs.Tests.Common;

public class Crc32CTests
{
    [Fact]
    public void Compute_CheckVector_IsE3069283()
    {
        byte[] data = Encoding.ASCII.GetBytes("123456789");

        Assert.Equal(0xE3069283u, Crc32C.Compute(data));
        Assert.Equal(0xE3069283u, Crc32C.AppendSoftware(0, data));
        if (Crc32C.IsHardwareAccelerated)
        {
            Assert.Equal(0xE3069283u, Crc32C.AppendHardware(0, data));
        }
    }

    [Fact]
    public void Compute_Rfc3720Vectors_MatchPublishedValues()
    {
        byte[] ascending = new byte[32];
        byte[] descending = new byte[32];
        for (int i = 0; i < 32; i++)
        {
            ascending[i] = (byte)i;
            descending[i] = (byte)(31 - i);
        }

        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(ascending));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(descending));
        Assert.Equal(0x46DD794Eu, Crc32C.AppendSoftware(0, ascending));
    }

    [Fact]
    public void Compute_Empty_IsZero()
    {
        Assert.Equal(0u, Crc32C.Compute([]));
        Assert.Equal(0x12345678u, Crc32C.Append(0x12345678, []));
    }

    [Fact]
    public void AppendHardware_RandomDataAnyLengthAndAlignment_MatchesSoftware()
    {
        if (!Crc32C.IsHardwareAccelerated)
        {
            return; // Nothing to compare on a CPU without CRC32C instructions.
        }
        var random = new Random(20240601);
        byte[] data = new byte[70_000];
        random.NextBytes(data);
        int[] longLengths = [1023, 1024, 1025, 4096, 65_535, 65_536, 69_000];

        for (int offset = 0; offset < 16; offset++)
        {
            for (int length = 0; length <= 300; length++)
            {
                AssertSame(data.AsSpan(offset, length), seed: (uint)length);
            }
            foreach (int length in longLengths)
            {
                AssertSame(data.AsSpan(offset, length), seed: 0);
            }
        }

        static void AssertSame(ReadOnlySpan<byte> span, uint seed) =>
            Assert.Equal(Crc32C.AppendSoftware(seed, span), Crc32C.AppendHardware(seed, span));
    }

    [Fact]
    public void Append_SplitAtEveryPoint_EqualsOneShot()
    {
        byte[] data = new byte[257];
        new Random(7).NextBytes(data);
        uint whole = Crc32C.Compute(data);

        for (int split = 0; split <= data.Length; split++)
        {
            uint first = Crc32C.Append(0, data.AsSpan(0, split));
            Assert.Equal(whole, Crc32C.Append(first, data.AsSpan(split)));
            uint softFirst = Crc32C.AppendSoftware(0, data.AsSpan(0, split));
            Assert.Equal(whole, Crc32C.AppendSoftware(softFirst, data.AsSpan(split)));
        }
    }
}
