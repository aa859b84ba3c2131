using System.Globalization;
using MessagePack;

namespace CurveFs.MetaServer.Cli;

/// <summary>Renders a snapshot value for <c>snapshot dump</c>: its JSON form when the whole value is one
/// well-formed MessagePack object, otherwise <c>hex:</c> and its first bytes. Reuses its buffers
/// across values.</summary>
public sealed class ValueRenderer
{
    /// <summary>How many leading bytes of a non-MessagePack value are shown in hex.</summary>
    public const int HexPreviewBytes = 32;

    // Depth-limited, so a hostile nesting cannot exhaust the stack.
    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly StringWriter _json = new(CultureInfo.InvariantCulture);
    private byte[] _copy = [];

    public void Write(TextWriter output, ReadOnlySpan<byte> value)
    {
        if (TryConvertToJson(value))
        {
            output.Write(_json.GetStringBuilder());
            return;
        }
        if (value.IsEmpty)
        {
            return;
        }
        output.Write("hex:");
        output.Write(Convert.ToHexStringLower(value[..Math.Min(value.Length, HexPreviewBytes)]));
        if (value.Length > HexPreviewBytes)
        {
            output.Write("...");
        }
    }

    public string Render(ReadOnlySpan<byte> value)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        Write(text, value);
        return text.ToString();
    }

    private bool TryConvertToJson(ReadOnlySpan<byte> value)
    {
        _json.GetStringBuilder().Clear();
        if (value.IsEmpty)
        {
            return false;
        }
        if (_copy.Length < value.Length)
        {
            _copy = new byte[Math.Max(value.Length, 2 * _copy.Length)];
        }
        value.CopyTo(_copy);
        var reader = new MessagePackReader(new ReadOnlyMemory<byte>(_copy, 0, value.Length));
        try
        {
            MessagePackSerializer.ConvertToJson(ref reader, _json, Options);
            return reader.End;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException
            or InsufficientExecutionStackException or ArgumentException or OverflowException
            or InvalidOperationException or FormatException)
        {
            // Not MessagePack (or not one well-formed object): the caller shows hex instead.
            return false;
        }
    }
}
