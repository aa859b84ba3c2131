using System.Globalization;
using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using CurveFs.Mds.Embedded;
using CurveFs.Mount.ObjectStore;

namespace CurveFs.Mount.Cli;

/// <summary>What <c>curvefs create-fs --mds</c> asks for.</summary>
public sealed record MdsCreateFsRequest(
    string Name, string Mds, string? S3Endpoint, string? Bucket, string? AccessKey, string? SecretKey, string Region, string KeyPrefix,
    string ChunkSize, string BlockSize, string? Capacity);

/// <summary>
/// The filesystem commands that talk to the MDS: <c>create-fs NAME --mds ADDRS --s3-endpoint URL --bucket B</c>,
/// <c>list-fs --mds ADDRS</c>, <c>delete-fs NAME --mds ADDRS</c>. They write to the given writers (tests run them
/// in-process) and return the exit code: 0 done, 1 refused or failed, 64 wrong command line.
/// </summary>
public static class MdsFsCommands
{
    public const int ExitFailure = 1;
    public const int ExitUsage = 64;

    /// <summary>How long the commands keep trying to reach an MDS leader.</summary>
    public static TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(15);

    public static int CreateFs(MdsCreateFsRequest request, TextWriter output, TextWriter error)
    {
        int Fail(string message, int code)
        {
            error.WriteLine($"curvefs create-fs: {message}");
            return code;
        }
        if (!SizeParser.TryParse(request.ChunkSize, out var chunk) || chunk > uint.MaxValue) return Fail($"invalid --chunk-size '{request.ChunkSize}'", ExitUsage);
        if (!SizeParser.TryParse(request.BlockSize, out var block) || block > uint.MaxValue) return Fail($"invalid --block-size '{request.BlockSize}'", ExitUsage);
        ulong capacity = 0;
        if (request.Capacity is not null)
        {
            if (!SizeParser.TryParse(request.Capacity, out var parsed) || parsed <= 0) return Fail($"invalid --capacity '{request.Capacity}'", ExitUsage);
            capacity = (ulong)parsed;
        }
        try
        {
            LocalFsRegistry.ValidateSizes((uint)chunk, (uint)block);
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message, ExitUsage);
        }
        if (string.IsNullOrWhiteSpace(request.S3Endpoint)) return Fail("--mds needs --s3-endpoint URL: where the filesystem's data objects go (e.g. http://minio:9000)", ExitUsage);
        if (string.IsNullOrWhiteSpace(request.Bucket)) return Fail("--mds needs --bucket NAME: the S3 bucket for the filesystem's data objects", ExitUsage);
        var accessKey = request.AccessKey ?? Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secretKey = request.SecretKey ?? Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
            return Fail("S3 credentials missing: give --access-key and --secret-key, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", ExitUsage);
        var prefix = request.KeyPrefix.Trim('/');
        var s3 = new FsS3Settings
        {
            Endpoint = request.S3Endpoint.TrimEnd('/'),
            Bucket = request.Bucket,
            AccessKey = accessKey,
            SecretKey = secretKey,
            Region = request.Region,
            KeyPrefix = prefix.Length == 0 ? "" : prefix + "/",
        };
        if (s3.Problem() is { } problem) return Fail(problem, ExitUsage);
        MdsClient mds;
        try
        {
            mds = MdsClient.ForEndpoints(request.Mds, RetryBudget);
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message, ExitUsage);
        }
        using (mds)
        {
            // The bucket must take writes before the filesystem depends on it.
            output.WriteLine($"curvefs: checking that bucket '{s3.Bucket}' at {s3.Endpoint} is reachable and writable ...");
            try
            {
                CheckBucketAsync(s3).GetAwaiter().GetResult();
            }
            catch (ObjectStoreException e)
            {
                // The store's hints name the mount's option; here the endpoint is --s3-endpoint.
                return Fail($"the S3 check failed, nothing was created: {e.Message.Replace("check --endpoint", "check --s3-endpoint", StringComparison.Ordinal)}", ExitFailure);
            }
            try
            {
                var record = mds.CreateFsAsync(request.Name, (uint)chunk, (uint)block, capacity, s3).GetAwaiter().GetResult();
                output.WriteLine($"curvefs: created filesystem {record.Info.Name} (fs {record.Info.FsId}, chunk {record.Info.ChunkSize} bytes, block {record.Info.BlockSize} bytes, data in s3://{s3.Bucket}/{s3.KeyPrefix} at {s3.Endpoint})");
                return 0;
            }
            catch (MdsException e) when (e.Status == MdsStatus.AlreadyExists)
            {
                return Fail($"{e.Message}: choose another name, or delete it first (curvefs delete-fs {request.Name} --mds {request.Mds})", ExitFailure);
            }
            catch (MdsException e)
            {
                return Fail(e.Status == MdsStatus.Unavailable ? $"no MDS leader created it: {e.Message}" : e.Message, ExitFailure);
            }
        }
    }

    public static int ListFs(string mdsEndpoints, TextWriter output, TextWriter error)
    {
        try
        {
            using var mds = MdsClient.ForEndpoints(mdsEndpoints, RetryBudget);
            var list = mds.ListFsAsync().GetAwaiter().GetResult();
            output.WriteLine($"{"ID",-6} {"NAME",-24} {"CHUNK",-8} {"BLOCK",-8} DATA");
            foreach (var fs in list)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{fs.Info.FsId,-6} {fs.Info.Name,-24} {SizeText(fs.Info.ChunkSize),-8} {SizeText(fs.Info.BlockSize),-8} s3://{fs.S3.Bucket}/{fs.S3.KeyPrefix} at {fs.S3.Endpoint}"));
            return 0;
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"curvefs list-fs: {e.Message}");
            return ExitUsage;
        }
        catch (MdsException e)
        {
            error.WriteLine($"curvefs list-fs: {e.Message}");
            return ExitFailure;
        }
    }

    public static int DeleteFs(string name, string mdsEndpoints, TextWriter output, TextWriter error)
    {
        try
        {
            using var mds = MdsClient.ForEndpoints(mdsEndpoints, RetryBudget);
            var record = mds.DeleteFsAsync(name).GetAwaiter().GetResult();
            output.WriteLine($"curvefs: deleted filesystem {name} (fs {record.Info.FsId}) from the MDS; its metadata and data objects are not removed (not implemented yet)");
            return 0;
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"curvefs delete-fs: {e.Message}");
            return ExitUsage;
        }
        catch (MdsException e)
        {
            error.WriteLine($"curvefs delete-fs: {e.Message}");
            return ExitFailure;
        }
    }

    /// <summary>Writes, reads back and deletes a probe object, with short timeouts and few retries: a wrong
    /// endpoint must be reported in seconds, not after the long retries a mount uses.</summary>
    private static async Task CheckBucketAsync(FsS3Settings s3)
    {
        var options = new S3StoreOptions(s3.Endpoint, s3.Bucket, s3.AccessKey, s3.SecretKey)
        {
            Region = s3.Region,
            KeyPrefix = s3.KeyPrefix,
            ConnectTimeout = TimeSpan.FromSeconds(3),
            RequestTimeout = TimeSpan.FromSeconds(10),
            MaxRetries = 1,
            MaxConnectionRefusedRetries = 0,
            MaxTotalTime = TimeSpan.FromSeconds(20),
        };
        await using var store = new S3ObjectStore(options);
        await store.CheckAccessAsync().ConfigureAwait(false);
    }

    private static string SizeText(uint bytes) =>
        bytes % (1 << 20) == 0 ? $"{bytes >> 20}M" : bytes % 1024 == 0 ? $"{bytes >> 10}K" : bytes.ToString(CultureInfo.InvariantCulture);
}
