namespace CurveFs.Mds.Hosting;

/// <summary>The timing of the leader's topology and session work, derived from <see cref="MdsConfig"/> (docs/mds.md, "Timings").</summary>
public sealed record MdsTimings
{
    /// <summary>A session not heard from for this long is expired.</summary>
    public TimeSpan SessionLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A metaserver not heard from for this long is shown offline.</summary>
    public TimeSpan MetaServerOffline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one copyset command may take (retries through leader changes included).</summary>
    public TimeSpan CopysetTimeout { get; init; } = TimeSpan.FromMilliseconds(2500);

    /// <summary>A metaserver's heartbeat time is written to etcd at most this often (the leader keeps the exact time in memory).</summary>
    public TimeSpan MetaServerPersistEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A session's heartbeat time is written to etcd when the stored one is older than this.</summary>
    public TimeSpan SessionPersistEvery => SessionLease / 3;

    /// <summary>How often the leader looks for expired sessions and offline metaservers.</summary>
    public TimeSpan MaintenanceInterval
    {
        get
        {
            var quarter = (SessionLease < MetaServerOffline ? SessionLease : MetaServerOffline) / 4;
            return quarter < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100)
                : quarter > TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : quarter;
        }
    }

    public static MdsTimings From(MdsConfig config) => new()
    {
        SessionLease = TimeSpan.FromSeconds(config.SessionLeaseSeconds),
        MetaServerOffline = TimeSpan.FromSeconds(config.MetaServerOfflineSeconds),
        CopysetTimeout = TimeSpan.FromMilliseconds(config.CopysetTimeoutMs),
    };
}
