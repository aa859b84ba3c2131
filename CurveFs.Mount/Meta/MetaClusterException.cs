using CurveFs.Common.Fs;

namespace CurveFs.Mount.Meta;

/// <summary>
/// The metadata cluster could not answer an operation that has no errno to return (connecting, statfs,
/// scans), or the filesystem asked for does not exist. The message names the endpoints tried, the last
/// error and what to do next.
/// </summary>
public sealed class MetaClusterException(Errno errno, string message) : IOException(message)
{
    /// <summary>EIO when no metaserver answered; ENOENT when the filesystem does not exist.</summary>
    public Errno Errno { get; } = errno;
}
