using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.ObjectStore;

/// <summary>
/// An S3 bucket (MinIO, s3rver, AWS or any compatible service) through AWSSDK.S3.
/// <para>
/// Settings every non-AWS endpoint needs: ServiceURL with path-style addressing, checksums only when an
/// operation requires them, and <c>UseChunkEncoding = false</c> on every PutObject and UploadPart (with
/// chunked signing s3rver stores the chunk-signature frames inside the object). The SDK's own retries are
/// off; <see cref="RunAsync"/> retries transient failures with backoff within
/// <see cref="S3StoreOptions.MaxTotalTime"/> and turns every other failure into an
/// <see cref="ObjectStoreException"/> that names endpoint, bucket, key, operation and S3 error code.
/// </para>
/// </summary>
public sealed partial class S3ObjectStore : IObjectStore
{
    private const int MaxKeysPerDelete = 1000;

    private readonly AmazonS3Client _client;
    private readonly ILogger? _logger;
    private readonly string _bucket;
    private readonly string _keyPrefix;
    private volatile bool _bucketSeen; // a request to the bucket succeeded, so a 404 without a body means the key

    /// <param name="options">Endpoint, bucket, credentials, timeouts and retries.</param>
    /// <param name="logger">Receives a warning for every retried failure; optional.</param>
    public S3ObjectStore(S3StoreOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out Uri? endpoint) || endpoint.Scheme is not ("http" or "https"))
            throw new ArgumentException($"S3 endpoint '{options.ServiceUrl}' is not an http:// or https:// URL, e.g. http://127.0.0.1:9000: check --endpoint", nameof(options));
        if (string.IsNullOrWhiteSpace(options.Bucket))
            throw new ArgumentException("no S3 bucket given: set --bucket", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RequestTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.MaxTotalTime, TimeSpan.Zero);

        Options = options;
        _logger = logger;
        _bucket = options.Bucket;
        _keyPrefix = options.KeyPrefix ?? string.Empty;
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = options.Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 0,
            Timeout = options.RequestTimeout,
            ConnectTimeout = options.ConnectTimeout,
            MaxConnectionsPerServer = options.MaxConnections,
        };
        AWSCredentials credentials = options.AccessKey.Length == 0 && options.SecretKey.Length == 0
            ? new AnonymousAWSCredentials()
            : new BasicAWSCredentials(options.AccessKey, options.SecretKey);
        _client = new AmazonS3Client(credentials, config);
    }

    public S3StoreOptions Options { get; }

    public string Description => $"s3://{_bucket}/{_keyPrefix} at {Options.ServiceUrl}";

    /// <summary>Nothing to do: S3 acknowledges a PUT once it is stored durably.</summary>
    public Task SyncAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        await RunAsync("PUT", key, async token =>
        {
            using MemoryStream body = StreamOver(data);
            var request = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = fullKey,
                InputStream = body,
                AutoCloseStream = false,
                UseChunkEncoding = false,
            };
            await _client.PutObjectAsync(request, token).ConfigureAwait(false);
            _bucketSeen = true;
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> GetAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        string fullKey = FullKey(key);
        if (destination.IsEmpty)
            return await HeadAsync(key, cancellationToken).ConfigureAwait(false) is null ? throw new ObjectNotFoundException(key) : 0;

        return await RunAsync("GET", key, async token =>
        {
            var request = new GetObjectRequest
            {
                BucketName = _bucket,
                Key = fullKey,
                ByteRange = new ByteRange(offset, offset + destination.Length - 1),
            };
            GetObjectResponse response;
            try
            {
                response = await _client.GetObjectAsync(request, token).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable || e.ErrorCode == "InvalidRange")
            {
                _bucketSeen = true;
                return 0; // offset at or past the end
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey" || (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket"))
            {
                if (e.ErrorCode == "NoSuchKey") _bucketSeen = true;
                throw new ObjectNotFoundException(key, e);
            }
            using (response)
            {
                _bucketSeen = true;
                // s3rver answers a range on an empty object with "bytes 0-0/0" and a Content-Length of 1 it never sends.
                if (response.ContentRange is string range && range.EndsWith("/0", StringComparison.Ordinal)) return 0;
                // A server that ignores Range sends the whole object: skip to offset.
                long skip = string.IsNullOrEmpty(response.ContentRange) ? offset : 0;
                return await ReadBodyAsync(response.ResponseStream, skip, destination, token).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        ObjectInfo? info = await RunAsync("HEAD", key, async token =>
        {
            try
            {
                var request = new GetObjectMetadataRequest { BucketName = _bucket, Key = fullKey };
                GetObjectMetadataResponse response = await _client.GetObjectMetadataAsync(request, token).ConfigureAwait(false);
                _bucketSeen = true;
                return new ObjectInfo(key, response.ContentLength, ToOffset(response.LastModified));
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
            {
                return (ObjectInfo?)null;
            }
        }, cancellationToken).ConfigureAwait(false);
        // A HEAD answer has no body, so a missing bucket looks like a missing key: tell them apart once.
        if (info is null && !_bucketSeen) await CheckBucketExistsAsync("HEAD", key, cancellationToken).ConfigureAwait(false);
        return info;
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        await RunAsync("DELETE", key, async token =>
        {
            try
            {
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = fullKey }, token).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
            {
                // some services report a missing key; deleting it succeeds all the same
            }
            _bucketSeen = true;
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        for (int start = 0; start < keys.Count; start += MaxKeysPerDelete)
        {
            int count = Math.Min(MaxKeysPerDelete, keys.Count - start);
            var batch = new List<KeyVersion>(count);
            for (int i = start; i < start + count; i++) batch.Add(new KeyVersion { Key = FullKey(keys[i]) });
            string operation = $"DELETE of {count} keys from '{_keyPrefix}{keys[start]}'";
            await RunAsync(operation, null, async token =>
            {
                var request = new DeleteObjectsRequest { BucketName = _bucket, Objects = batch, Quiet = true };
                DeleteObjectsResponse response = await _client.DeleteObjectsAsync(request, token).ConfigureAwait(false);
                _bucketSeen = true;
                ThrowOnDeleteErrors(response);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, string? startAfter = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        string? continuation = null;
        string? after = startAfter is null ? null : _keyPrefix + startAfter;
        while (true)
        {
            var request = new ListObjectsV2Request
            {
                BucketName = _bucket,
                Prefix = _keyPrefix + prefix,
                StartAfter = continuation is null ? after : null,
                ContinuationToken = continuation,
                MaxKeys = 1000,
            };
            ListObjectsV2Response page = await RunAsync($"LIST of prefix '{_keyPrefix}{prefix}'", null, token => _client.ListObjectsV2Async(request, token), cancellationToken)
                .ConfigureAwait(false);
            _bucketSeen = true;
            List<S3Object> objects = page.S3Objects ?? [];
            foreach (S3Object item in objects)
            {
                if (!item.Key.StartsWith(_keyPrefix, StringComparison.Ordinal)) continue;
                yield return new ObjectInfo(item.Key[_keyPrefix.Length..], item.Size ?? 0, ToOffset(item.LastModified));
            }
            if (page.IsTruncated != true) yield break;
            // Some services mark a page truncated without a continuation token: go on after the last key.
            continuation = string.IsNullOrEmpty(page.NextContinuationToken) ? null : page.NextContinuationToken;
            if (continuation is null)
            {
                if (objects.Count == 0) yield break;
                after = objects[^1].Key;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    public override string ToString() => Description;

    private string FullKey(string key)
    {
        if (string.IsNullOrEmpty(key)) throw new ObjectStoreException($"empty object key for {Description}");
        return _keyPrefix.Length == 0 ? key : _keyPrefix + key;
    }

    /// <summary>A read-only stream over data without copying when the memory is backed by an array.</summary>
    private static MemoryStream StreamOver(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out ArraySegment<byte> segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static async Task<int> ReadBodyAsync(Stream body, long skip, Memory<byte> destination, CancellationToken token)
    {
        if (skip > 0)
        {
            byte[] scratch = new byte[(int)Math.Min(skip, 64 * 1024)];
            while (skip > 0)
            {
                int n = await body.ReadAsync(scratch.AsMemory(0, (int)Math.Min(skip, scratch.Length)), token).ConfigureAwait(false);
                if (n == 0) return 0;
                skip -= n;
            }
        }
        int total = 0;
        while (total < destination.Length)
        {
            int n = await body.ReadAsync(destination[total..], token).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static DateTimeOffset ToOffset(DateTime? time) =>
        time is DateTime t ? new DateTimeOffset(DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc)) : default;

    private static void ThrowOnDeleteErrors(DeleteObjectsResponse response)
    {
        List<DeleteError>? errors = response.DeleteErrors?.Where(e => e.Code != "NoSuchKey").ToList();
        if (errors is null || errors.Count == 0) return;
        DeleteError first = errors[0];
        // Raised as the SDK's own exception type so the retry logic treats a per-key InternalError as transient.
        bool transient = errors.TrueForAll(e => e.Code is "InternalError" or "SlowDown" or "ServiceUnavailable");
        throw new AmazonS3Exception(
            $"{errors.Count} keys were not deleted; first '{first.Key}': {first.Code} {first.Message}",
            ErrorType.Unknown, first.Code, string.Empty, transient ? HttpStatusCode.InternalServerError : HttpStatusCode.BadRequest);
    }
}
