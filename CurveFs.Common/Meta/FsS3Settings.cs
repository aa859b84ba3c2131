using System.Text;
using MessagePack;

namespace CurveFs.Common.Meta;

/// <summary>
/// Where a filesystem's data objects live: an S3 endpoint, bucket and credentials, fixed at create-fs and
/// handed by the MDS to every client that mounts the filesystem. <see cref="ToString"/> masks the secret.
/// MessagePack keys are part of the MDS RPC; JSON names (camelCase) are part of the etcd record.
/// </summary>
[MessagePackObject]
public sealed record FsS3Settings
{
    /// <summary>The S3 endpoint URL, e.g. "http://10.0.0.5:9000" (MinIO).</summary>
    [Key(0)] public string Endpoint { get; init; } = "";
    [Key(1)] public string Bucket { get; init; } = "";
    [Key(2)] public string AccessKey { get; init; } = "";
    /// <summary>Secret key. Only GetFs returns it; ListFs replies carry it masked (empty).</summary>
    [Key(3)] public string SecretKey { get; init; } = "";
    [Key(4)] public string Region { get; init; } = "us-east-1";
    /// <summary>Prepended to every object key ("" or ending with '/'), so filesystems can share a bucket.</summary>
    [Key(5)] public string KeyPrefix { get; init; } = "";

    /// <summary>Why these settings cannot work, or null when they can.</summary>
    public string? Problem()
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return $"S3 endpoint '{Endpoint}' is not an http:// or https:// URL";
        if (Bucket.Length is < 3 or > 63) return $"bucket name '{Bucket}' must have 3-63 characters";
        if (KeyPrefix.Length > 0 && !KeyPrefix.EndsWith('/')) return $"key prefix '{KeyPrefix}' must end with '/'";
        return null;
    }

    /// <summary>The same settings without the secret key (listings, logs).</summary>
    public FsS3Settings WithoutSecret() => this with { SecretKey = "" };

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("FsS3Settings { Endpoint = ").Append(Endpoint)
            .Append(", Bucket = ").Append(Bucket)
            .Append(", AccessKey = ").Append(AccessKey)
            .Append(", SecretKey = ").Append(SecretKey.Length == 0 ? "(empty)" : "***")
            .Append(", Region = ").Append(Region)
            .Append(", KeyPrefix = ").Append(KeyPrefix)
            .Append(" }");
        return text.ToString();
    }
}

/// <summary>A filesystem as the MDS keeps it: the settings clients mount with, its data store and when it was made.</summary>
[MessagePackObject]
public sealed record FsRecord
{
    [Key(0)] public FsInfo Info { get; init; } = null!;
    [Key(1)] public FsS3Settings S3 { get; init; } = new();
    /// <summary>Creation time, Unix milliseconds (from the MDS's clock; informational).</summary>
    [Key(2)] public long CreatedUnixMs { get; init; }
    /// <summary>Inode IDs per partition (fixed at create-fs): partition N holds [(N-1)*size+1, N*size].</summary>
    [Key(3)] public ulong PartitionSize { get; init; } = DefaultPartitionSize;
    /// <summary>Owner and mode the root directory was created with (create-fs's caller; mode 0755 by default).</summary>
    [Key(4)] public uint RootUid { get; init; }
    [Key(5)] public uint RootGid { get; init; }
    [Key(6)] public uint RootMode { get; init; } = DefaultRootMode;

    /// <summary>2^20 inode IDs per partition, as CurveFS.</summary>
    public const ulong DefaultPartitionSize = 1UL << 20;
    public const ulong MinPartitionSize = 2;
    /// <summary>Partition IDs are 32-bit, so ranges stay within 64-bit inode IDs.</summary>
    public const ulong MaxPartitionSize = 1UL << 32;
    /// <summary>drwxr-xr-x.</summary>
    public const uint DefaultRootMode = FileModes.Directory | 0x1ED;
}
