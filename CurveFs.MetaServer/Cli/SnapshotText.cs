using System.Text;

namespace CurveFs.MetaServer.Cli;

/// <summary>Printable spelling of binary keys: printable ASCII stays as is, a backslash is written
/// <c>\\</c>, every other byte <c>\xNN</c> (lowercase hex). <see cref="ParseKey"/> reverses it, so a
/// key copied from the output can be passed back as a prefix.</summary>
public static class SnapshotText
{
    private const string HexDigits = "0123456789abcdef";

    public static void WriteKey(TextWriter output, ReadOnlySpan<byte> key)
    {
        foreach (byte b in key)
        {
            if (b == (byte)'\\')
            {
                output.Write(@"\\");
            }
            else if (b is >= 0x20 and < 0x7F)
            {
                output.Write((char)b);
            }
            else
            {
                output.Write(@"\x");
                output.Write(HexDigits[b >> 4]);
                output.Write(HexDigits[b & 0xF]);
            }
        }
    }

    public static string EscapeKey(ReadOnlySpan<byte> key)
    {
        var text = new StringWriter();
        WriteKey(text, key);
        return text.ToString();
    }

    /// <summary>Key bytes from their printable spelling: <c>\xNN</c> is one byte, <c>\\</c> a backslash,
    /// anything else (including a backslash not starting one of those) is taken as UTF-8 text.</summary>
    public static byte[] ParseKey(string text)
    {
        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '\\')
            {
                bytes.Add((byte)'\\');
                i++;
            }
            else if (c == '\\' && i + 3 < text.Length && text[i + 1] == 'x'
                && IsHex(text[i + 2]) && IsHex(text[i + 3]))
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 2, 2), 16));
                i += 3;
            }
            else
            {
                int scalarLength = char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1;
                int written = Encoding.UTF8.GetBytes(text.AsSpan(i, scalarLength), utf8);
                bytes.AddRange(utf8[..written]);
                i += scalarLength - 1;
            }
        }
        return [.. bytes];
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
