using System.Text.Json;
using System.Text.Json.Serialization;

namespace CurveFs.Mds.Etcd;

/// <summary>
/// How the MDS writes records into etcd: camelCase JSON with enums as camelCase names, so an operator can read
/// (and in an emergency repair) every record with etcdctl. Unknown fields are ignored and missing ones take
/// their defaults, so records written by an older MDS stay readable.
/// </summary>
public static class MdsJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static byte[] Encode<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>The record in <paramref name="kv"/>.</summary>
    /// <exception cref="InvalidDataException">the key does not hold a valid <typeparamref name="T"/>; the message names the key.</exception>
    public static T Decode<T>(EtcdKeyValue kv, string what) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(kv.Value, Options) ?? throw new InvalidDataException($"etcd key {kv.Key} holds no {what}");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"etcd key {kv.Key} does not hold a valid {what}: {e.Message}", e);
        }
    }
}

/// <summary>A record read from etcd with the key's mod revision, for a compare-and-swap write back.</summary>
public readonly record struct Versioned<T>(T Value, long ModRevision);
