namespace CurveFs.Common.Fs;

/// <summary>The result of an operation: an errno or a value.</summary>
public readonly struct Result<T>
{
    public Result(T value) { Value = value; Error = Errno.Ok; }
    public Result(Errno error) { Value = default!; Error = error; }
    public T Value { get; }
    public Errno Error { get; }
    public bool Ok => Error == Errno.Ok;
    public static implicit operator Result<T>(T value) => new(value);
    public static implicit operator Result<T>(Errno error) => new(error);
}
