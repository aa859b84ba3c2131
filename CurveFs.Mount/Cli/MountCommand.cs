using System.CommandLine;
using CurveFs.Mds.Embedded;
using CurveFs.Mount.Data;
using CurveFs.Mount.Fuse;
using CurveFs.Mount.Hosting;
using CurveFs.Mount.Vfs;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Cli;

/// <summary><c>curvefs mount --local DATA_DIR MOUNTPOINT</c> (the embedded filesystem) or
/// <c>curvefs mount --metaservers ADDRS --fs NAME --storage LOCATION MOUNTPOINT</c> (a cluster), through
/// FUSE, in the foreground unless -d/--background is given.</summary>
public static class MountCommand
{
    public static Command Build()
    {
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "An existing empty directory to mount on." };
        var local = new Option<string?>("--local") { Description = "Run everything in this process, keeping metadata and data in DATA_DIR (created if missing).", HelpName = "DATA_DIR" };
        var metaServers = new Option<string?>("--metaservers") { Description = "Use a metaserver cluster: its RPC addresses, comma separated (HOST:PORT,...).", HelpName = "ADDRS" };
        var mds = new Option<string?>("--mds") { Description = "Use a full cluster: its MDS addresses, comma separated (HOST:PORT,...); the MDS knows the metaservers and the data store.", HelpName = "ADDRS" };
        var fs = new Option<string?>("--fs") { Description = "With --mds or --metaservers: the name of the filesystem to mount." };
        var storage = new Option<string?>("--storage") { Description = "Where file data lives: local:/path or s3://bucket?endpoint=URL (required with --metaservers; overrides the MDS's setting with --mds).", HelpName = "LOCATION" };
        var fuseOptions = new Option<string[]>("-o") { Description = "FUSE mount options, comma separated (allow_other, default_permissions, ro, fsname=..., entry_timeout=SECONDS, attr_timeout=SECONDS).", AllowMultipleArgumentsPerToken = false };
        var background = new Option<bool>("--background", "-d") { Description = "Mount, then return and keep serving in the background (log in DATA_DIR/curvefs.log)." };
        var name = new Option<string>("--name") { Description = "Filesystem name (new data directories only).", DefaultValueFactory = _ => "curvefs" };
        var chunkSize = new Option<string>("--chunk-size") { Description = "Chunk size (new data directories only).", DefaultValueFactory = _ => "64M" };
        var blockSize = new Option<string>("--block-size") { Description = "Block size (new data directories only).", DefaultValueFactory = _ => "4M" };
        var cacheSize = new Option<string>("--cache-size") { Description = "Memory for cached data blocks.", DefaultValueFactory = _ => "128M" };
        var readAhead = new Option<string>("--read-ahead") { Description = "Largest read-ahead window of a sequential reader (at most half of --cache-size; 0 turns it off).", DefaultValueFactory = _ => "64M" };
        var diskCache = new Option<string?>("--disk-cache") { Description = "Keep data blocks read from the store and written by this mount in this local directory too, across mounts (checksummed; a subdirectory per filesystem). Off by default.", HelpName = "DIR" };
        var diskCacheSize = new Option<string>("--disk-cache-size") { Description = "The most the disk cache holds; least recently used blocks are deleted first.", DefaultValueFactory = _ => "10G" };
        var diskCacheFreeRatio = new Option<double>("--disk-cache-free-ratio") { Description = "The share of the disk cache's disk kept free: blocks are evicted, or not cached, rather than go below it (0 to 0.9).", DefaultValueFactory = _ => 0.1 };
        var bufferSize = new Option<string>("--buffer-size") { Description = "Memory budget for written data of all files together, buffered or being uploaded; writers wait while it is used.", DefaultValueFactory = _ => "256M" };
        var entryTimeout = new Option<double>("--entry-timeout") { Description = "Seconds the kernel may cache names.", DefaultValueFactory = _ => 1.0 };
        var attrTimeout = new Option<double>("--attr-timeout") { Description = "Seconds the kernel may cache attributes.", DefaultValueFactory = _ => 1.0 };
        var threads = new Option<int>("--threads") { Description = "FUSE worker threads.", DefaultValueFactory = _ => FuseSession.DefaultMaxThreads };
        var logFile = new Option<string?>("--log-file") { Description = "Write the log here instead of standard error." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every warning and debug detail." };

        var command = new Command("mount", "Mount a CurveFs filesystem.")
        {
            mountPoint, local, mds, metaServers, fs, storage, fuseOptions, background, name, chunkSize, blockSize, cacheSize, readAhead, diskCache, diskCacheSize, diskCacheFreeRatio, bufferSize, entryTimeout, attrTimeout, threads, logFile, verbose,
        };
        command.SetAction(result =>
        {
            var request = new MountRequest(
                MountPoint: result.GetValue(mountPoint)!,
                DataDir: result.GetValue(local),
                Mds: result.GetValue(mds),
                MetaServers: result.GetValue(metaServers),
                FsName: result.GetValue(fs),
                Storage: result.GetValue(storage),
                FuseOptions: (result.GetValue(fuseOptions) ?? []).SelectMany(o => o.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList(),
                Background: result.GetValue(background),
                Name: result.GetValue(name)!,
                ChunkSize: result.GetValue(chunkSize)!,
                BlockSize: result.GetValue(blockSize)!,
                CacheSize: result.GetValue(cacheSize)!,
                BufferSize: result.GetValue(bufferSize)!,
                ReadAhead: result.GetValue(readAhead)!,
                DiskCache: result.GetValue(diskCache),
                DiskCacheSize: result.GetValue(diskCacheSize)!,
                DiskCacheFreeRatio: result.GetValue(diskCacheFreeRatio),
                EntryTimeout: result.GetValue(entryTimeout),
                AttrTimeout: result.GetValue(attrTimeout),
                Threads: result.GetValue(threads),
                LogFile: result.GetValue(logFile),
                Verbose: result.GetValue(verbose));
            return MountRunner.Run(request);
        });
        return command;
    }
}

/// <summary>The parsed mount command line.</summary>
public sealed record MountRequest(
    string MountPoint, string? DataDir, string? Mds, string? MetaServers, string? FsName, string? Storage, List<string> FuseOptions, bool Background, string Name,
    string ChunkSize, string BlockSize, string CacheSize, string BufferSize, string ReadAhead, string? DiskCache, string DiskCacheSize, double DiskCacheFreeRatio,
    double EntryTimeout, double AttrTimeout, int Threads, string? LogFile, bool Verbose);
