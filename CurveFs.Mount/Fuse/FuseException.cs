namespace CurveFs.Mount.Fuse;

/// <summary>A mount, session or unmount failure; the message says what happened and what to do next.</summary>
public sealed class FuseException(string message, Exception? innerException = null)
    : Exception(message, innerException);
