using System.Text;

namespace CurveFs.Mount.ObjectStore;

/// <summary>
/// Where and how <see cref="S3ObjectStore"/> reaches its bucket.
/// </summary>
/// <param name="ServiceUrl">The S3 endpoint, e.g. "http://127.0.0.1:9000" (MinIO) or "https://s3.example.com".</param>
/// <param name="Bucket">The bucket holding the objects.</param>
/// <param name="AccessKey">Access key ID; empty together with SecretKey for anonymous access.</param>
/// <param name="SecretKey">Secret access key. Never printed: <see cref="ToString"/> masks it.</param>
public sealed record S3StoreOptions(string ServiceUrl, string Bucket, string AccessKey, string SecretKey)
{
    /// <summary>Region used for request signing; MinIO and s3rver accept the default.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Prepended to every key (and removed from listed keys), e.g. "cluster1/". Empty for none.</summary>
    public string KeyPrefix { get; init; } = "";

    /// <summary>Longest time one attempt of one request may take, body included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest time to open a TCP connection to the endpoint.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries after the first attempt for transient failures (5xx, timeouts, dropped connections).</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Retries when nothing listens at the endpoint (connection refused): few, since that rarely heals in seconds.</summary>
    public int MaxConnectionRefusedRetries { get; init; } = 2;

    /// <summary>Bound on one operation including all its retries and backoff; it never takes longer.</summary>
    public TimeSpan MaxTotalTime { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Concurrent HTTP connections to the endpoint.</summary>
    public int MaxConnections { get; init; } = 64;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("S3StoreOptions { ServiceUrl = ").Append(ServiceUrl)
            .Append(", Bucket = ").Append(Bucket)
            .Append(", AccessKey = ").Append(AccessKey)
            .Append(", SecretKey = ").Append(SecretKey.Length == 0 ? "(empty)" : "***")
            .Append(", Region = ").Append(Region)
            .Append(", KeyPrefix = ").Append(KeyPrefix)
            .Append(", RequestTimeout = ").Append(RequestTimeout)
            .Append(", ConnectTimeout = ").Append(ConnectTimeout)
            .Append(", MaxRetries = ").Append(MaxRetries)
            .Append(", MaxTotalTime = ").Append(MaxTotalTime)
            .Append(" }");
        return text.ToString();
    }
}
