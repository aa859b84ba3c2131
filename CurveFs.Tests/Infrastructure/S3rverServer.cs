using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CurveFs.Mount.ObjectStore;
using Xunit;

namespace CurveFs.Tests.Infrastructure;

/// <summary>Test classes that talk to S3 join this collection, so they share one endpoint and do not run in
/// parallel with each other (s3rver is single-threaded).</summary>
[CollectionDefinition(Name)]
public sealed class S3Collection
{
    public const string Name = "S3";
}

/// <summary>
/// The S3 endpoint of a test run. <see cref="Shared"/> starts ONE s3rver on first use (loopback, free port,
/// temporary data directory) and kills it when the test process exits; if the test process dies instead,
/// s3rver exits by itself when its stdin pipe closes. When CURVEFS_TEST_S3_ENDPOINT is set (with
/// CURVEFS_TEST_S3_ACCESS_KEY and CURVEFS_TEST_S3_SECRET_KEY) that endpoint is used and nothing is started,
/// so the same tests run against MinIO. s3rver is found at $CURVEFS_S3RVER, else at
/// REPO/.deps/node_modules/.bin/s3rver (./test.sh installs it there).
/// </summary>
public sealed partial class S3rverServer
{
    public const string EndpointVariable = "CURVEFS_TEST_S3_ENDPOINT";
    public const string AccessKeyVariable = "CURVEFS_TEST_S3_ACCESS_KEY";
    public const string SecretKeyVariable = "CURVEFS_TEST_S3_SECRET_KEY";
    public const string ExecutableVariable = "CURVEFS_S3RVER";

    private const string S3rverCredentials = "S3RVER"; // s3rver's built-in access key and secret
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    // A failed start is cached too: every test then fails fast with the same explanation.
    private static readonly Lazy<S3rverServer> s_shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Process? _process;
    private readonly Lazy<Task<string>> _sharedBucket;

    private S3rverServer(string endpoint, string accessKey, string secretKey, Process? process)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
        SecretKey = secretKey;
        _process = process;
        _sharedBucket = new(() => CreateBucketAsync("shared"));
    }

    public static S3rverServer Shared => s_shared.Value;

    /// <summary>"http://127.0.0.1:PORT" for s3rver, or the value of CURVEFS_TEST_S3_ENDPOINT.</summary>
    public string Endpoint { get; }
    public string AccessKey { get; }
    public string SecretKey { get; }

    /// <summary>True when the endpoint came from the environment (MinIO or another service).</summary>
    public bool IsExternal => _process is null;

    public S3StoreOptions OptionsFor(string bucket) => new(Endpoint, bucket, AccessKey, SecretKey);

    /// <summary>Creates a bucket with a unique name ("curvefs-test-PURPOSE-RANDOM") and returns the name.</summary>
    public async Task<string> CreateBucketAsync(string purpose)
    {
        string name = UniqueBucketName(purpose);
        await using var store = new S3ObjectStore(OptionsFor(name));
        await store.EnsureBucketAsync();
        return name;
    }

    /// <summary>One bucket for the whole run; tests keep apart by key prefixes.</summary>
    public Task<string> GetSharedBucketAsync() => _sharedBucket.Value;

    public static string UniqueBucketName(string purpose)
    {
        string clean = Regex.Replace(purpose.ToLowerInvariant(), "[^a-z0-9-]", "-");
        if (clean.Length > 30) clean = clean[..30];
        return $"curvefs-test-{clean}-{Guid.NewGuid().ToString("N")[..10]}";
    }

    private static S3rverServer Start()
    {
        string? endpoint = Environment.GetEnvironmentVariable(EndpointVariable);
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            string accessKey = Environment.GetEnvironmentVariable(AccessKeyVariable) ?? string.Empty;
            string secretKey = Environment.GetEnvironmentVariable(SecretKeyVariable) ?? string.Empty;
            if (accessKey.Length == 0 || secretKey.Length == 0)
                throw new InvalidOperationException(
                    $"{EndpointVariable} is set to {endpoint} but {AccessKeyVariable} or {SecretKeyVariable} is not: set both (for MinIO e.g. minioadmin / minioadmin)");
            return new S3rverServer(endpoint.TrimEnd('/'), accessKey, secretKey, process: null);
        }
        return StartS3rver();
    }

    private static S3rverServer StartS3rver()
    {
        string executable = FindExecutable();
        string runDirectory = CreateRunDirectory();
        ProcessStartInfo startInfo = CommandLine(executable, runDirectory);
        var stderr = new StringBuilder();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            Match match = ListeningLine().Match(e.Data);
            if (match.Success) listening.TrySetResult(match.Groups["port"].Value);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) if (stderr.Length < 8000) stderr.AppendLine(e.Data);
        };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("s3rver exited"));

        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException($"cannot start s3rver ({startInfo.FileName} {startInfo.Arguments}): {e.Message}. Run ./test.sh, which installs it", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        string port;
        try
        {
            port = listening.Task.WaitAsync(StartTimeout).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Stop(process, runDirectory);
            string errors;
            lock (stderr) errors = stderr.ToString().Trim();
            throw new InvalidOperationException(
                $"s3rver ({executable}) did not start listening within {StartTimeout.TotalSeconds} s ({e.Message})"
                + (errors.Length > 0 ? $"; its stderr:\n{errors}" : string.Empty)
                + "\nRun ./test.sh, which installs s3rver, or set " + EndpointVariable, e);
        }

        var server = new S3rverServer($"http://127.0.0.1:{port}", S3rverCredentials, S3rverCredentials, process);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(process, runDirectory);
        return server;
    }

    /// <summary>
    /// A fresh directory for s3rver's data, in memory when /dev/shm exists: s3rver creates three files per
    /// object, and on a disk that makes creating a key about 4x slower.
    /// </summary>
    private static string CreateRunDirectory()
    {
        const string shm = "/dev/shm";
        if (Directory.Exists(shm))
        {
            try
            {
                return Directory.CreateDirectory(Path.Join(shm, "curvefs-s3rver-" + Guid.NewGuid().ToString("N")[..12])).FullName;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // not writable here: use the temp directory
            }
        }
        return Directory.CreateTempSubdirectory("curvefs-s3rver-").FullName;
    }

    /// <summary>
    /// The s3rver command line. A node script (the npm install) runs through a tiny launcher that exits when its
    /// stdin, a pipe from this process, closes: s3rver then dies with a test process that was killed outright.
    /// </summary>
    private static ProcessStartInfo CommandLine(string executable, string runDirectory)
    {
        string dataDirectory = Directory.CreateDirectory(Path.Join(runDirectory, "data")).FullName;
        string[] arguments = ["-d", dataDirectory, "-a", "127.0.0.1", "-p", "0", "--silent"];
        ProcessStartInfo info;
        if (NodeScriptOf(executable) is string script)
        {
            string launcher = Path.Join(runDirectory, "launcher.js");
            File.WriteAllText(launcher, LauncherScript);
            info = new ProcessStartInfo("node");
            info.ArgumentList.Add(launcher);
            info.ArgumentList.Add(script);
        }
        else
        {
            info = new ProcessStartInfo(executable);
        }
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        info.UseShellExecute = false;
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.Environment["CURVEFS_S3RVER_RUN_DIR"] = runDirectory; // the launcher removes it when it exits
        // Without the legacy OpenSSL provider s3rver 3.7.1 on Node 17+ answers list paging with a 500.
        string nodeOptions = Environment.GetEnvironmentVariable("NODE_OPTIONS") ?? string.Empty;
        info.Environment["NODE_OPTIONS"] = (nodeOptions + " --openssl-legacy-provider").Trim();
        return info;
    }

    private const string LauncherScript = """
        // Started by the CurveFs tests: run s3rver, and exit when the test process (our stdin) goes away.
        const fs = require('fs');
        const quit = () => {
          try { fs.rmSync(process.env.CURVEFS_S3RVER_RUN_DIR, { recursive: true, force: true }); } catch { }
          process.exit(0);
        };
        process.stdin.on('end', quit);
        process.stdin.on('error', quit);
        process.stdin.resume();
        const script = process.argv[2];
        process.argv.splice(1, 1); // s3rver's argument parser expects [node, script, ...options]
        require(script);
        """;

    /// <summary>The JavaScript file behind executable (npm's .bin entries are symlinks to one), or null.</summary>
    private static string? NodeScriptOf(string executable)
    {
        string target = File.ResolveLinkTarget(executable, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(executable);
        if (target.EndsWith(".js", StringComparison.Ordinal)) return target;
        using var reader = new StreamReader(target);
        string? firstLine = reader.ReadLine();
        return firstLine is not null && firstLine.StartsWith("#!", StringComparison.Ordinal) && firstLine.Contains("node", StringComparison.Ordinal)
            ? target
            : null;
    }

    private static string FindExecutable()
    {
        string? configured = Environment.GetEnvironmentVariable(ExecutableVariable);
        string path = !string.IsNullOrWhiteSpace(configured)
            ? configured
            : Path.Join(RepoPaths.Root, ".deps", "node_modules", ".bin", "s3rver");
        if (!File.Exists(path))
            throw new InvalidOperationException(
                $"s3rver is not installed at {path}: run ./test.sh (it installs s3rver into .deps/), or "
                + $"`npm install --prefix .deps s3rver@3.7.1`, or set {ExecutableVariable} to an s3rver executable, "
                + $"or set {EndpointVariable} (+ {AccessKeyVariable}, {SecretKeyVariable}) to use a running S3 service");
        return path;
    }

    private static void Stop(Process process, string runDirectory)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }
        try
        {
            Directory.Delete(runDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // a leftover temp directory is harmless
        }
    }

    [GeneratedRegex(@"listening on (?<host>\S+):(?<port>\d+)")]
    private static partial Regex ListeningLine();
}
