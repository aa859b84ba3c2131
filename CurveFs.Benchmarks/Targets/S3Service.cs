using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CurveFs.Benchmarks.Cli;
using CurveFs.Mount.ObjectStore;

namespace CurveFs.Benchmarks.Targets;

/// <summary>
/// The S3 endpoint of a run: the one given on the command line (MinIO, ...), or an s3rver started here on a
/// free loopback port with its data on /dev/shm (stopped and removed on dispose). The bucket is created if
/// missing. Every user takes its own key prefix, so runs never see each other's objects.
/// </summary>
public sealed class S3Service : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process? _s3rver;
    private readonly string? _dataDir;

    private S3Service(S3Settings settings, string endpoint, Process? s3rver, string? dataDir)
    {
        Settings = settings;
        Endpoint = endpoint;
        _s3rver = s3rver;
        _dataDir = dataDir;
    }

    public S3Settings Settings { get; }
    public string Endpoint { get; }
    public bool IsS3rver => _s3rver is not null;
    public string Description => IsS3rver ? $"s3rver on {Endpoint} (data on /dev/shm)" : Endpoint;

    public static S3Service Start(BenchOptions options)
    {
        S3Service service;
        if (options.S3.Endpoint is { } endpoint)
        {
            service = new S3Service(options.S3, endpoint, null, null);
        }
        else
        {
            var (process, dataDir, started) = StartS3rver(options);
            service = new S3Service(options.S3, started, process, dataDir);
        }
        try
        {
            var store = new S3ObjectStore(service.StoreOptions(""));
            try
            {
                store.EnsureBucketAsync().GetAwaiter().GetResult();
            }
            finally
            {
                store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        catch (Exception e)
        {
            service.Dispose();
            throw new InvalidOperationException($"cannot use bucket {options.S3.Bucket} at {service.Endpoint}: {e.Message}", e);
        }
        return service;
    }

    /// <summary>Store options for keys under prefix ("" or "name/").</summary>
    public S3StoreOptions StoreOptions(string prefix) =>
        new(Endpoint, Settings.Bucket, Settings.AccessKey, Settings.SecretKey) { KeyPrefix = prefix };

    /// <summary>The <c>--storage</c> value of a CurveFs mount whose objects go under prefix (no slashes).</summary>
    public string StorageUrl(string prefix) =>
        $"s3://{Settings.Bucket}/{prefix}?endpoint={Uri.EscapeDataString(Endpoint)}" +
        $"&access_key={Uri.EscapeDataString(Settings.AccessKey)}&secret_key={Uri.EscapeDataString(Settings.SecretKey)}";

    /// <summary>Deletes every object under prefix (a run against a shared endpoint leaves nothing behind).</summary>
    public void DeletePrefix(string prefix)
    {
        if (IsS3rver) return; // its data directory goes away with it
        DeletePrefixAsync(prefix).GetAwaiter().GetResult();
    }

    private async Task DeletePrefixAsync(string prefix)
    {
        await using var store = new S3ObjectStore(StoreOptions(prefix));
        var keys = new List<string>();
        await foreach (var info in store.ListAsync("").ConfigureAwait(false)) keys.Add(info.Key);
        if (keys.Count > 0) await store.DeleteManyAsync(keys).ConfigureAwait(false);
    }

    private static (Process Process, string DataDir, string Endpoint) StartS3rver(BenchOptions options)
    {
        var executable = FindS3rver(options);
        var dataDir = Directory.Exists("/dev/shm")
            ? Directory.CreateDirectory(Path.Combine("/dev/shm", "curvefs-bench-s3rver-" + Guid.NewGuid().ToString("N")[..8])).FullName
            : Directory.CreateTempSubdirectory("curvefs-bench-s3rver-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in new[] { "-d", dataDir, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent" })
            start.ArgumentList.Add(arg);
        // s3rver 3.7.1 on Node 17+ answers list paging with a 500 without the legacy OpenSSL provider.
        start.Environment["NODE_OPTIONS"] = ((Environment.GetEnvironmentVariable("NODE_OPTIONS") ?? "") + " --openssl-legacy-provider").Trim();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var errors = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                Directory.Delete(dataDir, recursive: true);
                throw new InvalidOperationException($"s3rver ({executable}) exited with code {process.ExitCode}: {errors.Result.Trim()}");
            }
            if (CanConnect(port)) break;
            if (DateTime.UtcNow > deadline)
            {
                process.Kill(entireProcessTree: true);
                Directory.Delete(dataDir, recursive: true);
                throw new InvalidOperationException($"s3rver ({executable}) did not listen on 127.0.0.1:{port} within {StartTimeout.TotalSeconds} s");
            }
            Thread.Sleep(100);
        }
        return (process, dataDir, $"http://127.0.0.1:{port}");
    }

    private static string FindS3rver(BenchOptions options)
    {
        var configured = options.S3rverPath ?? Environment.GetEnvironmentVariable("CURVEFS_S3RVER");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (File.Exists(configured)) return configured;
            throw new InvalidOperationException($"s3rver not found at {configured}");
        }
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, ".deps", "node_modules", ".bin", "s3rver");
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new InvalidOperationException(
            "s3rver is not installed: run bench/run.sh (it installs it into .deps/), or `npm install --prefix .deps s3rver@3.7.1`, "
            + "or pass --s3rver PATH, or use a running S3 service with --s3-endpoint URL --s3-access-key KEY --s3-secret-key KEY");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_s3rver is not null)
        {
            try
            {
                if (!_s3rver.HasExited) _s3rver.Kill(entireProcessTree: true);
                _s3rver.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            _s3rver.Dispose();
        }
        if (_dataDir is not null)
        {
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"curvefs-bench: could not remove {_dataDir}: {e.Message}");
            }
        }
    }
}
