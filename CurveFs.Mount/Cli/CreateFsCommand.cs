using System.CommandLine;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mds.Embedded;
using CurveFs.Mount.Hosting;
using CurveFs.Mount.Meta;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Mount.Cli;

/// <summary>
/// <c>curvefs create-fs NAME --mds ADDRS --s3-endpoint URL --bucket B ...</c>: creates a filesystem in the MDS
/// after checking that its bucket takes writes (<see cref="MdsFsCommands"/>); or, for a metaserver cluster
/// without an MDS, <c>curvefs create-fs NAME --metaservers ADDRS</c>: its record, root directory and first
/// partition in copyset 1. Also <c>list-fs</c> and <c>delete-fs</c> (MDS only).
/// </summary>
public static class CreateFsCommand
{
    public static Command Build()
    {
        var name = new Argument<string>("NAME") { Description = "The new filesystem's name." };
        var mds = new Option<string?>("--mds") { Description = "The MDS RPC addresses, comma separated.", HelpName = "ADDRS" };
        var metaServers = new Option<string?>("--metaservers") { Description = "A metaserver cluster without MDS: its RPC addresses, comma separated.", HelpName = "ADDRS" };
        var s3Endpoint = new Option<string?>("--s3-endpoint") { Description = "With --mds: the S3 endpoint URL for the filesystem's data.", HelpName = "URL" };
        var bucket = new Option<string?>("--bucket") { Description = "With --mds: the S3 bucket (it must exist)." };
        var accessKey = new Option<string?>("--access-key") { Description = "S3 access key (default: $AWS_ACCESS_KEY_ID)." };
        var secretKey = new Option<string?>("--secret-key") { Description = "S3 secret key (default: $AWS_SECRET_ACCESS_KEY)." };
        var region = new Option<string>("--region") { Description = "S3 region.", DefaultValueFactory = _ => "us-east-1" };
        var keyPrefix = new Option<string>("--key-prefix") { Description = "Prefix of every object key in the bucket.", DefaultValueFactory = _ => "" };
        var chunkSize = new Option<string>("--chunk-size") { Description = "Chunk size.", DefaultValueFactory = _ => "64M" };
        var blockSize = new Option<string>("--block-size") { Description = "Block size.", DefaultValueFactory = _ => "4M" };
        var capacity = new Option<string?>("--capacity") { Description = "Capacity statfs reports (default 1P)." };
        var partitionSize = new Option<ulong>("--partition-size") { Description = "With --mds: inode IDs per metadata partition (default 1048576; small values spread a small tree over copysets).", HelpName = "N" };
        var command = new Command("create-fs", "Create a filesystem: in the MDS (--mds), or in a metaserver cluster without MDS (--metaservers).")
        {
            name, mds, metaServers, s3Endpoint, bucket, accessKey, secretKey, region, keyPrefix, chunkSize, blockSize, capacity, partitionSize,
        };
        command.SetAction(result =>
        {
            var mdsValue = result.GetValue(mds);
            var metaValue = result.GetValue(metaServers);
            if ((mdsValue is null) == (metaValue is null))
            {
                Console.Error.WriteLine("curvefs create-fs: give either --mds ADDRS (with --s3-endpoint and --bucket) or --metaservers ADDRS");
                return 64;
            }
            if (mdsValue is not null)
                return MdsFsCommands.CreateFs(new MdsCreateFsRequest(result.GetValue(name)!, mdsValue, result.GetValue(s3Endpoint), result.GetValue(bucket),
                    result.GetValue(accessKey), result.GetValue(secretKey), result.GetValue(region)!, result.GetValue(keyPrefix)!,
                    result.GetValue(chunkSize)!, result.GetValue(blockSize)!, result.GetValue(capacity)) { PartitionSize = result.GetValue(partitionSize) }, Console.Out, Console.Error);
            return Run(result.GetValue(name)!, metaValue!, result.GetValue(chunkSize)!, result.GetValue(blockSize)!);
        });
        return command;
    }

    public static Command BuildList()
    {
        var mds = new Option<string>("--mds") { Description = "The MDS RPC addresses, comma separated.", Required = true, HelpName = "ADDRS" };
        var command = new Command("list-fs", "List the filesystems the MDS knows.") { mds };
        command.SetAction(result => MdsFsCommands.ListFs(result.GetValue(mds)!, Console.Out, Console.Error));
        return command;
    }

    public static Command BuildDelete()
    {
        var name = new Argument<string>("NAME") { Description = "The filesystem to delete." };
        var mds = new Option<string>("--mds") { Description = "The MDS RPC addresses, comma separated.", Required = true, HelpName = "ADDRS" };
        var command = new Command("delete-fs", "Delete a filesystem's record from the MDS (it must not be mounted).") { name, mds };
        command.SetAction(result => MdsFsCommands.DeleteFs(result.GetValue(name)!, result.GetValue(mds)!, Console.Out, Console.Error));
        return command;
    }

    /// <summary>create-fs for a metaserver cluster without MDS (the playground uses it).</summary>
    public static int Run(string name, string metaServers, string chunkText, string blockText)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains(',') || name.Contains('/') || name.Length > 128)
            return Fail($"invalid filesystem name '{name}' (1-128 characters, no ',' or '/')", 64);
        if (!SizeParser.TryParse(chunkText, out var chunk) || chunk > uint.MaxValue) return Fail($"invalid --chunk-size '{chunkText}'", 64);
        if (!SizeParser.TryParse(blockText, out var block) || block > uint.MaxValue) return Fail($"invalid --block-size '{blockText}'", 64);
        try
        {
            LocalFsRegistry.ValidateSizes((uint)chunk, (uint)block);
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message, 64);
        }
        var options = new ClusterMetaClientOptions { RetryBudget = TimeSpan.FromSeconds(10), Endpoints = metaServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
        var fs = new FsInfo(1, name, (uint)chunk, (uint)block, FsInfo.DefaultCapacity, FsInfo.NewUuid());
        var client = new ClusterMetaClient(options, fs, NullLogger.Instance);
        try
        {
            var result = client.InitializeAsync(ProcessIdentity.Uid, ProcessIdentity.Gid, FileModes.Directory | 0x1ED).AsTask().GetAwaiter().GetResult();
            return result switch
            {
                Errno.Ok => Ok($"created filesystem {name} (chunk {chunk} bytes, block {block} bytes)"),
                Errno.EEXIST => Fail($"a filesystem with another name already exists in this cluster (one filesystem per cluster without an MDS)", 1),
                Errno.EIO => Fail($"no metaserver of {metaServers} answered: check the addresses and that the cluster has a leader (curvefs playground status DIR)", 1),
                _ => Fail($"creating filesystem {name} failed: {result}", 1),
            };
        }
        finally
        {
            client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static int Ok(string message)
    {
        Console.WriteLine($"curvefs: {message}");
        return 0;
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"curvefs create-fs: {message}");
        return code;
    }
}
