using System.CommandLine;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mds.Embedded;
using CurveFs.Mount.Hosting;
using CurveFs.Mount.Meta;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Mount.Cli;

/// <summary><c>curvefs create-fs NAME --metaservers ADDRS</c>: creates a filesystem in a metaserver
/// cluster (its record, root directory and first partition live in copyset 1 until the MDS exists).</summary>
public static class CreateFsCommand
{
    public static Command Build()
    {
        var name = new Argument<string>("NAME") { Description = "The new filesystem's name." };
        var metaServers = new Option<string>("--metaservers") { Description = "The cluster's RPC addresses, comma separated.", Required = true, HelpName = "ADDRS" };
        var chunkSize = new Option<string>("--chunk-size") { Description = "Chunk size.", DefaultValueFactory = _ => "64M" };
        var blockSize = new Option<string>("--block-size") { Description = "Block size.", DefaultValueFactory = _ => "4M" };
        var command = new Command("create-fs", "Create a filesystem in a metaserver cluster.") { name, metaServers, chunkSize, blockSize };
        command.SetAction(result => Run(result.GetValue(name)!, result.GetValue(metaServers)!, result.GetValue(chunkSize)!, result.GetValue(blockSize)!));
        return command;
    }

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
        var fs = new FsInfo(1, name, (uint)chunk, (uint)block, FsInfo.DefaultCapacity);
        var client = new ClusterMetaClient(options, fs, NullLogger.Instance);
        try
        {
            var result = client.InitializeAsync(ProcessIdentity.Uid, ProcessIdentity.Gid, FileModes.Directory | 0x1ED).AsTask().GetAwaiter().GetResult();
            return result switch
            {
                Errno.Ok => Ok($"created filesystem {name} (chunk {chunk} bytes, block {block} bytes)"),
                Errno.EEXIST => Fail($"a filesystem with another name already exists in this cluster (one filesystem per cluster until the MDS exists)", 1),
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
