using CurveFs.Common.Rpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.MetaServer.Hosting;

/// <summary>
/// Registers the metaserver and its copysets with the MDS, and again every <see cref="MetaServerConfig.MdsHeartbeatMs"/>
/// (each registration is the heartbeat). Failures never stop the metaserver: the first failure of a streak is
/// logged as a warning with the reason, the next ones at debug level, and it keeps trying; the first success
/// after failures is logged again.
/// </summary>
public sealed class MdsRegistration : IAsyncDisposable
{
    private readonly MdsClient _mds;
    private readonly RegisterMetaServerRequest _request;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _registrations;

    public MdsRegistration(MetaServerConfig config, string rpcEndpoint, ILogger logger)
    {
        _interval = TimeSpan.FromMilliseconds(config.MdsHeartbeatMs);
        _logger = logger;
        // One attempt cycle per heartbeat: a slow or absent MDS delays the next heartbeat, never piles them up.
        _mds = new MdsClient(new RetryOptions
        {
            Endpoints = [.. config.MdsEndpoints],
            CallTimeout = _interval < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : _interval,
            RetryBudget = _interval < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : _interval,
        }, NullLogger.Instance);
        _request = new RegisterMetaServerRequest
        {
            Name = config.EffectiveName,
            RpcEndpoint = rpcEndpoint,
            Copysets = [.. config.Copysets.Select(c => new CopysetInfo(c.CopysetId, [.. c.Peers.Select(p => p.RpcEndpoint)]))],
        };
    }

    /// <summary>Successful registrations so far (tests, status).</summary>
    public long Registrations => Interlocked.Read(ref _registrations);

    public void Start() => _loop ??= Task.Run(RunAsync);

    private async Task RunAsync()
    {
        var token = _stop.Token;
        string? failing = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _mds.RegisterMetaServerAsync(_request, token).ConfigureAwait(false);
                if (Interlocked.Increment(ref _registrations) == 1 || failing is not null)
                    _logger.LogInformation("metaserver {Name} registered copysets {Copysets} with the MDS (leader {Leader})",
                        _request.Name, string.Join(",", _request.Copysets.Select(c => c.CopysetId)), _mds.Leader);
                failing = null;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                if (failing is null)
                    _logger.LogWarning("metaserver {Name} cannot register with the MDS at {Endpoints}: {Message}; retrying every {Interval:0.#} s",
                        _request.Name, _mds.EndpointList, e.Message, _interval.TotalSeconds);
                else
                    _logger.LogDebug("metaserver {Name}: registering with the MDS failed again: {Message}", _request.Name, e.Message);
                failing = e.Message;
            }
            try
            {
                await Task.Delay(_interval, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _mds.Dispose();
        _stop.Dispose();
    }
}
