namespace CurveFs.Common.Fs;

/// <summary>Linux errno values (x86_64). Every layer reports failures with these, so the FUSE
/// adapter can hand them to the kernel unchanged.</summary>
public enum Errno
{
    Ok = 0,
    EPERM = 1,
    ENOENT = 2,
    EINTR = 4,
    EIO = 5,
    ENXIO = 6,
    E2BIG = 7,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    EXDEV = 18,
    ENODEV = 19,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    EFBIG = 27,
    ENOSPC = 28,
    ESPIPE = 29,
    EROFS = 30,
    EMLINK = 31,
    ERANGE = 34,
    EDEADLK = 35,
    ENAMETOOLONG = 36,
    ENOLCK = 37,
    ENOSYS = 38,
    ENOTEMPTY = 39,
    ELOOP = 40,
    ENODATA = 61,
    ETIMEDOUT = 110,
    EOVERFLOW = 75,
    EOPNOTSUPP = 95,
    ECANCELED = 125,
    ESTALE = 116,
    EDQUOT = 122,
}

/// <summary>An operation failure carrying an errno, for code paths where exceptions are the natural
/// way out (deep inside a command handler). The FUSE adapter turns it into a reply.</summary>
public sealed class FsException(Errno errno, string? message = null)
    : Exception(message ?? errno.ToString())
{
    public Errno Errno { get; } = errno;
}
