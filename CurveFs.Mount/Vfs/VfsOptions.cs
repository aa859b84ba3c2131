namespace CurveFs.Mount.Vfs;

/// <summary>How the VFS talks to the kernel's caches.</summary>
public sealed record VfsOptions
{
    /// <summary>How long the kernel may cache a name lookup.</summary>
    public double EntryTimeoutSeconds { get; init; } = 1.0;
    /// <summary>How long the kernel may cache attributes.</summary>
    public double AttrTimeoutSeconds { get; init; } = 1.0;
    /// <summary>Refuse every change with EROFS.</summary>
    public bool ReadOnly { get; init; }
    /// <summary>st_blksize reported to applications (the I/O size tools like cp use).</summary>
    public uint IoBlockSize { get; init; } = 1 << 16;
}
