using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ArmCrc32 = System.Runtime.Intrinsics.Arm.Crc32;
using X86Sse42 = System.Runtime.Intrinsics.X86.Sse42;

namespace CurveFs.Common.Checksums;

/// <summary>
/// CRC32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF),
/// the checksum of iSCSI, ext4 and the CurveFs snapshot format. Check value: CRC32C("123456789")
/// = 0xE3069283.
/// </summary>
/// <remarks>
/// Uses the SSE4.2 <c>crc32</c> instruction on x86 and the ARMv8 CRC32C instructions when the CPU has
/// them, otherwise a slicing-by-8 table. All paths give identical results.
/// <para>Incremental use: <c>crc = Append(crc, part)</c> for each part, starting from 0 (the CRC of
/// no bytes). <c>Append(Append(0, a), b) == Compute(a + b)</c>.</para>
/// </remarks>
public static class Crc32C
{
    private const uint ReflectedPolynomial = 0x82F63B78;

    // Slicing-by-8: table k maps a byte to its contribution k bytes further along the message.
    private static readonly uint[] Table = BuildTable();

    /// <summary>True when a CPU instruction computes the CRC (SSE4.2 or ARMv8 CRC32).</summary>
    public static bool IsHardwareAccelerated => X86Sse42.IsSupported || ArmCrc32.IsSupported;

    /// <summary>The CRC32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Extends <paramref name="crc"/>, the CRC32C of the bytes seen so far (0 for none),
    /// with <paramref name="data"/> and returns the CRC32C of the concatenation.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) =>
        IsHardwareAccelerated ? AppendHardware(crc, data) : AppendSoftware(crc, data);

    /// <summary>The table-driven path, always available. Internal so tests can compare it with
    /// the hardware path.</summary>
    internal static uint AppendSoftware(uint crc, ReadOnlySpan<byte> data) => ~UpdateSoftware(~crc, data);

    /// <summary>The instruction-based path; only valid when <see cref="IsHardwareAccelerated"/>.</summary>
    internal static uint AppendHardware(uint crc, ReadOnlySpan<byte> data)
    {
        if (X86Sse42.IsSupported)
        {
            return ~UpdateX86(~crc, data);
        }
        if (ArmCrc32.IsSupported)
        {
            return ~UpdateArm(~crc, data);
        }
        throw new PlatformNotSupportedException("this CPU has no CRC32C instruction");
    }

    private static uint UpdateX86(uint state, ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int i = 0;
        if (X86Sse42.X64.IsSupported)
        {
            ulong wide = state;
            for (; i <= length - 8; i += 8)
            {
                wide = X86Sse42.X64.Crc32(wide, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
            }
            state = (uint)wide;
        }
        else
        {
            for (; i <= length - 4; i += 4)
            {
                state = X86Sse42.Crc32(state, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i)));
            }
        }
        for (; i < length; i++)
        {
            state = X86Sse42.Crc32(state, Unsafe.Add(ref start, i));
        }
        return state;
    }

    private static uint UpdateArm(uint state, ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int i = 0;
        if (ArmCrc32.Arm64.IsSupported)
        {
            for (; i <= length - 8; i += 8)
            {
                state = ArmCrc32.Arm64.ComputeCrc32C(state, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
            }
        }
        else
        {
            for (; i <= length - 4; i += 4)
            {
                state = ArmCrc32.ComputeCrc32C(state, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i)));
            }
        }
        for (; i < length; i++)
        {
            state = ArmCrc32.ComputeCrc32C(state, Unsafe.Add(ref start, i));
        }
        return state;
    }

    private static uint UpdateSoftware(uint state, ReadOnlySpan<byte> data)
    {
        uint[] t = Table;
        while (data.Length >= 8)
        {
            // Reading little-endian keeps the byte order of the reflected CRC on any host.
            uint low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ state;
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            state = t[(7 * 256) + (low & 0xFF)]
                ^ t[(6 * 256) + ((low >> 8) & 0xFF)]
                ^ t[(5 * 256) + ((low >> 16) & 0xFF)]
                ^ t[(4 * 256) + (low >> 24)]
                ^ t[(3 * 256) + (high & 0xFF)]
                ^ t[(2 * 256) + ((high >> 8) & 0xFF)]
                ^ t[256 + ((high >> 16) & 0xFF)]
                ^ t[high >> 24];
            data = data[8..];
        }
        foreach (byte b in data)
        {
            state = t[(state ^ b) & 0xFF] ^ (state >> 8);
        }
        return state;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint crc = i;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            }
            table[i] = crc;
        }
        for (int k = 1; k < 8; k++)
        {
            for (int i = 0; i < 256; i++)
            {
                uint previous = table[((k - 1) * 256) + i];
                table[(k * 256) + i] = (previous >> 8) ^ table[previous & 0xFF];
            }
        }
        return table;
    }
}
