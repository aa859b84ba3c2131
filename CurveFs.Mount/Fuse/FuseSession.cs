using System.Runtime.InteropServices;
using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Mount.Vfs;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Fuse;

/// <summary>
/// One FUSE mount served by an <see cref="IVfs"/> through the libfuse3 low-level API:
/// <see cref="Mount"/>, then <see cref="Run"/> (blocks in libfuse's multi-threaded loop), ended by
/// <see cref="Exit"/>, SIGINT/SIGTERM, or an unmount from outside (<c>fusermount3 -u</c>). When the loop
/// ends, Run waits for outstanding asynchronous replies, unmounts, destroys the session (the VFS's
/// Destroy runs here) and frees the handle the callbacks used.
/// </summary>
public sealed unsafe partial class FuseSession : IDisposable
{
    public const int DefaultMaxThreads = 16;

    private enum State { Created, Mounted, Running, Stopped, Disposed }

    private readonly Lock _gate = new();
    private readonly IVfs _vfs;
    private readonly ILogger _logger;
    private readonly string[] _options;
    private readonly ManualResetEventSlim _stopped = new(false);
    private FuseDispatcher? _dispatcher;
    private GCHandle<FuseDispatcher> _handle;
    private nint _se;
    private State _state;
    private bool _exitRequested;

    /// <param name="options">Mount options as for <c>-o</c>, one per string: "fsname=curvefs", "allow_other",
    /// "default_permissions", "ro", "subtype=curvefs", "auto_unmount" ...</param>
    public FuseSession(IVfs vfs, string mountPoint, IEnumerable<string> options, ILogger logger, int maxThreads = DefaultMaxThreads)
    {
        ArgumentNullException.ThrowIfNull(vfs);
        ArgumentException.ThrowIfNullOrEmpty(mountPoint);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxThreads, 100_000);
        _vfs = vfs;
        _logger = logger;
        _options = options.ToArray();
        foreach (string option in _options)
        {
            if (string.IsNullOrWhiteSpace(option))
                throw new ArgumentException("mount options must not be empty", nameof(options));
        }
        MountPoint = FuseMountTable.Normalize(mountPoint);
        MaxThreads = maxThreads;
    }

    public string MountPoint { get; }

    /// <summary>Most FUSE worker threads libfuse starts. VFS calls that go asynchronous free their thread at once.</summary>
    public int MaxThreads { get; }

    /// <summary>Let each worker thread read from its own cloned /dev/fuse descriptor.</summary>
    public bool CloneFd { get; init; }

    /// <summary>Largest write the kernel sends in one request (it also caps at max_pages; 1 MiB here).</summary>
    public uint MaxWrite { get; init; } = 1 << 20;

    /// <summary>Most background requests (read-ahead, async direct I/O) the kernel keeps in flight; 0 = kernel default (12).</summary>
    public uint MaxBackground { get; init; } = 64;

    /// <summary>End the loop on SIGINT and SIGTERM while <see cref="Run"/> is blocking.</summary>
    public bool HandleSignals { get; init; } = true;

    /// <summary>How long teardown waits for asynchronous VFS calls to reply before giving up on destroying the session.</summary>
    public TimeSpan ReplyDrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What FUSE_INIT negotiated; null until the kernel connected.</summary>
    public FuseConnection? Connection => _dispatcher?.Connection;

    /// <summary>Creates the libfuse session and mounts it. Requests wait in the kernel until <see cref="Run"/>.</summary>
    /// <exception cref="FuseException">The options were rejected or the mount failed; the message says why.</exception>
    public void Mount()
    {
        lock (_gate)
        {
            if (_state != State.Created) throw new InvalidOperationException($"Mount() needs a new session; this one is {_state}");
            if (!Directory.Exists(MountPoint))
                throw new FuseException($"mount point {MountPoint} does not exist; create the directory first");

            FuseLog.Install(_logger);
            _dispatcher = new FuseDispatcher(_vfs, _logger, new FuseConnectionSettings(MaxWrite, MaxBackground));
            _handle = new GCHandle<FuseDispatcher>(_dispatcher);
            try
            {
                _se = NewSession(GCHandle<FuseDispatcher>.ToIntPtr(_handle));
                _dispatcher.Session = _se;
                if (FuseNative.fuse_session_mount(_se, MountPoint) != 0)
                {
                    string why = FuseLog.TakeLastError() ?? "see the log for libfuse's message";
                    FuseNative.fuse_session_destroy(_se);
                    _se = 0;
                    throw new FuseException($"could not mount at {MountPoint}: {why}. " +
                        $"If an earlier mount there is stale ('Transport endpoint is not connected'), run 'fusermount3 -uz {MountPoint}'.");
                }
            }
            catch
            {
                _handle.Dispose();
                throw;
            }
            _state = State.Mounted;
            LogMounted(_logger, MountPoint, string.Join(',', _options), MaxThreads);
        }
    }

    private nint NewSession(nint userdata)
    {
        FuseArgs args = default;
        try
        {
            AddArg(&args, "curvefs"); // argv[0]
            if (_options.Length > 0)
            {
                AddArg(&args, "-o");
                AddArg(&args, string.Join(',', _options.Select(EscapeOption)));
            }
            FuseLowLevelOps ops = FuseOperations.Create();
            nint se = FuseNative.fuse_session_new(&args, &ops, (nuint)sizeof(FuseLowLevelOps), userdata);
            if (se == 0)
            {
                string why = FuseLog.TakeLastError() ?? "see the log for libfuse's message";
                throw new FuseException($"libfuse rejected the mount options '{string.Join(',', _options)}': {why}");
            }
            return se;
        }
        finally
        {
            FuseNative.fuse_opt_free_args(&args);
        }
    }

    private static void AddArg(FuseArgs* args, string arg)
    {
        if (FuseNative.fuse_opt_add_arg(args, arg) != 0) throw new OutOfMemoryException("fuse_opt_add_arg failed");
    }

    // libfuse splits -o on commas; a backslash keeps a comma (or a backslash) inside one option.
    private static string EscapeOption(string option) => option.Replace("\\", "\\\\").Replace(",", "\\,");

    /// <summary>Serves requests until the filesystem is unmounted or <see cref="Exit"/> is called, then tears
    /// the session down. Blocks the calling thread.</summary>
    /// <exception cref="FuseException">The VFS failed to initialise or the loop failed.</exception>
    public void Run()
    {
        nint se;
        lock (_gate)
        {
            if (_state != State.Mounted) throw new InvalidOperationException($"Run() needs a mounted session; this one is {_state}");
            _state = State.Running;
            se = _se;
        }

        int rc = 0;
        PosixSignalRegistration[] signals = [];
        try
        {
            if (HandleSignals) signals = RegisterSignals();
            nint config = FuseNative.fuse_loop_cfg_create();
            if (config == 0) throw new OutOfMemoryException("fuse_loop_cfg_create failed");
            try
            {
                FuseNative.fuse_loop_cfg_set_max_threads(config, (uint)MaxThreads);
                FuseNative.fuse_loop_cfg_set_clone_fd(config, CloneFd ? 1u : 0u);
                rc = FuseNative.fuse_session_loop_mt_312(se, config);
            }
            finally
            {
                FuseNative.fuse_loop_cfg_destroy(config);
            }
        }
        finally
        {
            foreach (PosixSignalRegistration signal in signals) signal.Dispose();
            Teardown();
        }

        if (_dispatcher!.InitFailure is { } failure)
            throw new FuseException($"the VFS failed to initialise, so the mount at {MountPoint} was ended: {failure.Message}", failure);
        if (rc != 0)
            throw new FuseException($"the FUSE loop for {MountPoint} ended with error {rc} ({(Errno)Math.Abs(rc)}); see the log");
        LogStopped(_logger, MountPoint);
    }

    /// <summary>Asks the loop to end; <see cref="Run"/> then unmounts and returns. Safe from any thread,
    /// signal handlers included, and more than once (each call pokes the loop again).</summary>
    public void Exit()
    {
        lock (_gate)
        {
            if (_state is not (State.Mounted or State.Running)) return;
            if (!_exitRequested)
            {
                _exitRequested = true;
                _dispatcher!.Exiting = true;
                FuseNative.fuse_session_exit(_se);
            }
            if (_state == State.Running) StartWakeup();
        }
    }

    // libfuse's workers see the exit flag only after their blocking read of /dev/fuse returns. A lookup
    // of a name no one uses gives one of them a request (answered ENOENT without reaching the VFS); that
    // worker then leaves the loop and the loop cancels the others.
    private void StartWakeup()
    {
        string probe = Path.Combine(MountPoint, Encoding.ASCII.GetString(FuseDispatcher.WakeupNamePrefix) + Guid.NewGuid().ToString("N"));
        var thread = new Thread(() => File.Exists(probe)) { IsBackground = true, Name = "fuse-exit-wakeup" };
        thread.Start();
    }

    private PosixSignalRegistration[] RegisterSignals()
    {
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            LogSignal(_logger, context.Signal, MountPoint);
            Exit();
        }
        return [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    private void Teardown()
    {
        FuseDispatcher dispatcher = _dispatcher!;
        bool drained = WaitForReplies(dispatcher);
        lock (_gate)
        {
            if (_se != 0)
            {
                if (drained)
                {
                    // Unmount (lazily, unless the kernel already dropped the connection), then destroy:
                    // libfuse calls the VFS's Destroy from fuse_session_destroy.
                    FuseNative.fuse_session_unmount(_se);
                    FuseNative.fuse_session_destroy(_se);
                    _handle.Dispose();
                }
                else
                {
                    // A reply still to come would use the session; leaking it is safer than freeing it.
                    FuseNative.fuse_session_unmount(_se);
                    LogLeaked(_logger, MountPoint, dispatcher.PendingReplies);
                }
                _se = 0;
            }
            _state = State.Stopped;
        }
        _stopped.Set();
    }

    private bool WaitForReplies(FuseDispatcher dispatcher)
    {
        DateTime deadline = DateTime.UtcNow + ReplyDrainTimeout;
        DateTime nextLog = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (dispatcher.PendingReplies > 0)
        {
            if (DateTime.UtcNow >= deadline) return false;
            if (DateTime.UtcNow >= nextLog)
            {
                LogWaiting(_logger, dispatcher.PendingReplies, MountPoint);
                nextLog = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            }
            Thread.Sleep(5);
        }
        return true;
    }

    /// <summary>Ends the loop if it runs (waiting up to <see cref="ReplyDrainTimeout"/> for Run to finish),
    /// or unmounts a session that was mounted but never run.</summary>
    public void Dispose()
    {
        State state;
        lock (_gate)
        {
            state = _state;
            if (state == State.Disposed) return;
        }
        if (state == State.Running)
        {
            Exit();
            if (!_stopped.Wait(ReplyDrainTimeout + TimeSpan.FromSeconds(5)))
                LogDisposeTimeout(_logger, MountPoint);
        }
        else if (state == State.Mounted)
        {
            Teardown();
        }
        lock (_gate)
        {
            if (_state == State.Stopped || _state == State.Created) _state = State.Disposed;
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "FUSE mounted at {MountPoint} (options '{Options}', up to {MaxThreads} threads)")]
    private static partial void LogMounted(ILogger logger, string mountPoint, string options, int maxThreads);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "FUSE session for {MountPoint} ended and unmounted")]
    private static partial void LogStopped(ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "{Signal} received; unmounting {MountPoint}")]
    private static partial void LogSignal(ILogger logger, PosixSignal signal, string mountPoint);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Waiting for {Count} FUSE replies from the VFS before closing {MountPoint}")]
    private static partial void LogWaiting(ILogger logger, int count, string mountPoint);

    [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "FUSE session for {MountPoint} not destroyed: {Count} VFS calls never completed; the VFS's Destroy was not called")]
    private static partial void LogLeaked(ILogger logger, string mountPoint, int count);

    [LoggerMessage(EventId = 25, Level = LogLevel.Warning, Message = "FUSE session for {MountPoint} did not stop in time during Dispose; Run() is still blocked")]
    private static partial void LogDisposeTimeout(ILogger logger, string mountPoint);
}
