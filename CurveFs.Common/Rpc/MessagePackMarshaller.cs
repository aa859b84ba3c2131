using CurveFs.Common.Meta;
using Grpc.Core;
using MessagePack;

namespace CurveFs.Common.Rpc;

/// <summary>
/// Carries MessagePack objects as gRPC payloads (no protoc step). Serialization writes straight into
/// gRPC's buffer writer and deserialization reads its buffer sequence, so no intermediate array is made.
/// Uses <see cref="MetaCodec.Options"/> (untrusted-data security: payloads come from the network).
/// </summary>
public static class MessagePackMarshaller
{
    public static Marshaller<T> Create<T>() => new(Serialize<T>, Deserialize<T>);

    private static void Serialize<T>(T value, SerializationContext context)
    {
        MessagePackSerializer.Serialize(context.GetBufferWriter(), value, MetaCodec.Options);
        context.Complete();
    }

    private static T Deserialize<T>(DeserializationContext context) =>
        MessagePackSerializer.Deserialize<T>(context.PayloadAsReadOnlySequence(), MetaCodec.Options);
}
