using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;

namespace CurveFs.Mount.ObjectStore;

/// <summary>Bucket-level checks used by create-fs and by a HEAD that got a bare 404.</summary>
public sealed partial class S3ObjectStore
{
    /// <summary>Creates the bucket unless it exists already (owned by these credentials).</summary>
    public async Task EnsureBucketAsync(CancellationToken cancellationToken = default)
    {
        if (await BucketExistsAsync(cancellationToken).ConfigureAwait(false)) return;
        await RunAsync("CREATE BUCKET", null, async token =>
        {
            var request = new PutBucketRequest { BucketName = _bucket };
            if (Options.Region != "us-east-1") request.BucketRegionName = Options.Region;
            try
            {
                await _client.PutBucketAsync(request, token).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "BucketAlreadyOwnedByYou")
            {
                // created concurrently by another client with these credentials
            }
            _bucketSeen = true;
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes, reads back and deletes a probe object, so a wrong endpoint, bucket or credentials, missing
    /// permissions, or a service that alters object data is reported before anything depends on the store.
    /// </summary>
    public async Task CheckAccessAsync(CancellationToken cancellationToken = default)
    {
        string probeKey = ".curvefs-access-check-" + Guid.NewGuid().ToString("N");
        byte[] payload = Encoding.ASCII.GetBytes("curvefs access check " + probeKey);
        await PutAsync(probeKey, payload, cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] readBack = new byte[payload.Length + 64];
            int n = await GetAsync(probeKey, 0, readBack, cancellationToken).ConfigureAwait(false);
            if (!readBack.AsSpan(0, n).SequenceEqual(payload))
                throw new ObjectStoreException(
                    $"{Description} returned {n} bytes for probe object '{_keyPrefix}{probeKey}' that differ from the {payload.Length} written: "
                    + "the service alters object data (chunk-signature frames from chunked uploads?); use an S3-compatible service or report this");
            n = await GetAsync(probeKey, 6, readBack.AsMemory(0, 5), cancellationToken).ConfigureAwait(false);
            if (!readBack.AsSpan(0, n).SequenceEqual(payload.AsSpan(6, 5)))
                throw new ObjectStoreException($"{Description} answered a ranged read of probe object '{_keyPrefix}{probeKey}' wrongly: it does not support HTTP Range requests as S3 does");
        }
        finally
        {
            await DeleteAsync(probeKey, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<bool> BucketExistsAsync(CancellationToken cancellationToken) =>
        RunAsync("HEAD BUCKET", null, async token =>
        {
            try
            {
                await _client.HeadBucketAsync(new HeadBucketRequest { BucketName = _bucket }, token).ConfigureAwait(false);
                _bucketSeen = true;
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
        }, cancellationToken);

    /// <summary>Throws the "bucket does not exist" error when it does not; remembers when it does.</summary>
    private async Task CheckBucketExistsAsync(string operation, string key, CancellationToken cancellationToken)
    {
        if (await BucketExistsAsync(cancellationToken).ConfigureAwait(false)) return;
        var missing = new AmazonS3Exception($"bucket '{_bucket}' does not exist", Amazon.Runtime.ErrorType.Sender,
            "NoSuchBucket", string.Empty, HttpStatusCode.NotFound);
        throw new ObjectStoreException(Explain(S3Failure.Classify(missing, attemptTimedOut: false), operation, key, 1, TimeSpan.Zero), missing);
    }
}
