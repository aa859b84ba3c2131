using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace CurveFs.Mount.ObjectStore;

public sealed partial class S3ObjectStore
{
    public async Task<string> CreateMultipartAsync(string key, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        return await RunAsync("CREATE MULTIPART UPLOAD", key, async token =>
        {
            var request = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = fullKey };
            InitiateMultipartUploadResponse response = await _client.InitiateMultipartUploadAsync(request, token).ConfigureAwait(false);
            _bucketSeen = true;
            return response.UploadId;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data,
        CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        return await RunAsync($"UPLOAD PART {partNumber}", key, async token =>
        {
            using MemoryStream body = StreamOver(data);
            var request = new UploadPartRequest
            {
                BucketName = _bucket,
                Key = fullKey,
                UploadId = uploadId,
                PartNumber = partNumber,
                InputStream = body,
                PartSize = data.Length,
                UseChunkEncoding = false,
            };
            UploadPartResponse response = await _client.UploadPartAsync(request, token).ConfigureAwait(false);
            return new UploadedPart(partNumber, response.ETag);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts,
        CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        if (parts.Count == 0) throw new ObjectStoreException($"completing the upload of '{key}' in {Description} needs at least one part");
        List<PartETag> etags = [.. parts.OrderBy(p => p.PartNumber).Select(p => new PartETag(p.PartNumber, p.ETag))];
        int attempts = 0;
        await RunAsync("COMPLETE MULTIPART UPLOAD", key, async token =>
        {
            attempts++;
            var request = new CompleteMultipartUploadRequest { BucketName = _bucket, Key = fullKey, UploadId = uploadId, PartETags = etags };
            try
            {
                await _client.CompleteMultipartUploadAsync(request, token).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchUpload" && attempts > 1)
            {
                // An earlier attempt completed the upload but its answer was lost: fine when the object is there.
                if (await HeadAsync(key, token).ConfigureAwait(false) is null) throw;
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        string fullKey = FullKey(key);
        await RunAsync("ABORT MULTIPART UPLOAD", key, async token =>
        {
            try
            {
                var request = new AbortMultipartUploadRequest { BucketName = _bucket, Key = fullKey, UploadId = uploadId };
                await _client.AbortMultipartUploadAsync(request, token).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchUpload")
            {
                // already completed or aborted: abort is cleanup and may be repeated
            }
            catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
            {
                // s3rver does not implement abort (405). The object was never created; its parts stay in the
                // service until it expires them. Failing here would only turn every cleanup into an error.
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }
}
