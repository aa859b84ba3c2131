using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CurveFs.Tests.Infrastructure;

/// <summary>
/// etcd for the tests. <see cref="Shared"/> is ONE etcd per test run (loopback, free client and peer ports, data
/// directory on /dev/shm when available), started on first use and killed when the test process exits; if the
/// test process dies instead, etcd goes too (it runs under a shell that kills it when its stdin, a pipe from
/// this process, closes). When CURVEFS_TEST_ETCD_ENDPOINTS is set ("host:port,host:port") that etcd is shared
/// and nothing is started. Tests keep apart by a unique key prefix each (<see cref="UniquePrefix"/>).
/// <see cref="StartPrivateAsync"/> starts a separate etcd a test may stop and restart (same ports and data).
/// A missing etcd fails the test with what to do, it is never a skip. etcd is found at $CURVEFS_ETCD, else on PATH
/// (Debian's etcd-server package, which ./test.sh installs).
/// </summary>
public sealed class EtcdServer : IAsyncDisposable
{
    public const string EndpointsVariable = "CURVEFS_TEST_ETCD_ENDPOINTS";
    public const string ExecutableVariable = "CURVEFS_ETCD";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly Lazy<EtcdServer> s_shared = new(StartShared, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string? _executable;
    private readonly string? _runDirectory;
    private readonly int _clientPort;
    private readonly int _peerPort;
    private readonly StringBuilder _stderr = new();
    private Process? _process;

    private EtcdServer(IReadOnlyList<string> endpoints)
    {
        Endpoints = endpoints;
    }

    private EtcdServer(string executable, string runDirectory, int clientPort, int peerPort)
    {
        _executable = executable;
        _runDirectory = runDirectory;
        _clientPort = clientPort;
        _peerPort = peerPort;
        Endpoints = [$"127.0.0.1:{clientPort}"];
    }

    public static EtcdServer Shared => s_shared.Value;

    /// <summary>"127.0.0.1:PORT" client endpoints.</summary>
    public IReadOnlyList<string> Endpoints { get; }

    public bool IsExternal => _executable is null;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>A key prefix no other test uses: "/curvefs-test/{purpose}-{random}/".</summary>
    public static string UniquePrefix(string purpose) => $"/curvefs-test/{purpose}-{Guid.NewGuid().ToString("N")[..10]}/";

    /// <summary>A separate etcd on its own ports, for a test that stops and restarts it. Dispose it at the end.</summary>
    public static async Task<EtcdServer> StartPrivateAsync()
    {
        var server = new EtcdServer(FindExecutable(), CreateRunDirectory(), FreePort(), FreePort());
        await server.StartAsync();
        return server;
    }

    /// <summary>Starts (or restarts, keeping the data) this etcd and waits until it answers /health.</summary>
    public async Task StartAsync()
    {
        if (IsExternal) throw new InvalidOperationException("an external etcd cannot be started by the tests");
        if (IsRunning) return;
        lock (_stderr) _stderr.Clear();
        var dataDirectory = Path.Join(_runDirectory, "data");
        var client = $"http://127.0.0.1:{_clientPort}";
        var peer = $"http://127.0.0.1:{_peerPort}";
        string[] arguments =
        [
            "--name", "curvefs-test", "--data-dir", dataDirectory,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"curvefs-test={peer}", "--initial-cluster-state", "new",
            "--logger", "zap", "--log-level", "error",
        ];
        // The shell runs etcd in the background and kills it when our pipe to its stdin closes (this process died).
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("\"$@\" & pid=$!; trap 'kill -9 $pid 2>/dev/null; exit 0' TERM; cat >/dev/null; kill -9 $pid 2>/dev/null");
        info.ArgumentList.Add("etcd-launcher");
        info.ArgumentList.Add(_executable!);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) if (_stderr.Length < 8000) _stderr.AppendLine(e.Data);
        };
        process.OutputDataReceived += (_, _) => { };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException($"cannot start etcd ({_executable}): {e.Message}. Run ./test.sh, which installs etcd-server", e);
        }
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        var started = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        while (true)
        {
            try
            {
                var health = await http.GetStringAsync($"{client}/health");
                if (health.Contains("true", StringComparison.Ordinal)) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not up yet
            }
            if (started.Elapsed > StartTimeout || process.HasExited)
            {
                string errors;
                lock (_stderr) errors = _stderr.ToString().Trim();
                Kill();
                throw new InvalidOperationException(
                    $"etcd ({_executable}) did not become healthy at {client} within {StartTimeout.TotalSeconds} s"
                    + (errors.Length > 0 ? $"; its stderr:\n{errors}" : "") + $"\nRun ./test.sh (it installs etcd-server), or set {EndpointsVariable}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Kills etcd (SIGKILL, like a crash); its data stays for <see cref="StartAsync"/>.</summary>
    public Task StopAsync()
    {
        Kill();
        return Task.CompletedTask;
    }

    private void Kill()
    {
        var process = _process;
        _process = null;
        if (process is null) return;
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }
        process.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        if (_runDirectory is not null)
        {
            try
            {
                Directory.Delete(_runDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a leftover temp directory is harmless
            }
        }
        return ValueTask.CompletedTask;
    }

    private static EtcdServer StartShared()
    {
        var configured = Environment.GetEnvironmentVariable(EndpointsVariable);
        if (!string.IsNullOrWhiteSpace(configured))
            return new EtcdServer(configured.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var server = new EtcdServer(FindExecutable(), CreateRunDirectory(), FreePort(), FreePort());
        server.StartAsync().GetAwaiter().GetResult();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    private static string FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable(ExecutableVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (File.Exists(configured)) return configured;
            throw new InvalidOperationException($"{ExecutableVariable} is {configured}, which does not exist");
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Join(dir, "etcd");
            if (File.Exists(path)) return path;
        }
        throw new InvalidOperationException(
            "etcd is not installed (no etcd on PATH): run ./test.sh, which installs Debian's etcd-server, or `apt-get install etcd-server`, "
            + $"or set {ExecutableVariable} to an etcd binary, or set {EndpointsVariable} to a running etcd's client endpoints");
    }

    /// <summary>A fresh directory for etcd's data, in memory when /dev/shm exists (etcd fsyncs every write).</summary>
    private static string CreateRunDirectory()
    {
        const string shm = "/dev/shm";
        if (Directory.Exists(shm))
        {
            try
            {
                return Directory.CreateDirectory(Path.Join(shm, "curvefs-etcd-" + Guid.NewGuid().ToString("N")[..12])).FullName;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // not writable here: use the temp directory
            }
        }
        return Directory.CreateTempSubdirectory("curvefs-etcd-").FullName;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
