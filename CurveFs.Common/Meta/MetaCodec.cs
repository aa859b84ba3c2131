using MessagePack;

namespace CurveFs.Common.Meta;

/// <summary>The one place that decides how metadata values and commands are encoded (MessagePack with
/// integer keys, no compression: values are small and the encoding is part of the snapshot format).</summary>
public static class MetaCodec
{
    public static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    public static byte[] Encode<T>(T value) => MessagePackSerializer.Serialize(value, Options);

    public static T Decode<T>(ReadOnlyMemory<byte> bytes) => MessagePackSerializer.Deserialize<T>(bytes, Options);
}
