using System.Web;

namespace CurveFs.Mount.ObjectStore;

/// <summary>
/// Where a filesystem's objects live, as written on the command line:
/// <c>local:/path</c> (or a plain absolute path) for a directory, or
/// <c>s3://bucket[/prefix]?endpoint=http://host:port[&amp;region=R]</c> for an S3 service, with
/// credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or access_key= / secret_key= in the URL).
/// </summary>
public sealed record ObjectStoreLocation(string? Directory, S3StoreOptions? S3)
{
    public static ObjectStoreLocation Parse(string text)
    {
        if (text.StartsWith("local:", StringComparison.Ordinal)) return Local(text["local:".Length..]);
        if (text.StartsWith('/')) return Local(text);
        if (!text.StartsWith("s3://", StringComparison.Ordinal))
            throw new ArgumentException($"storage '{text}' is neither local:/path nor s3://bucket?endpoint=URL");
        var uri = new Uri(text);
        var bucket = uri.Host;
        if (bucket.Length == 0) throw new ArgumentException($"storage '{text}' names no bucket (s3://BUCKET?endpoint=URL)");
        var query = HttpUtility.ParseQueryString(uri.Query);
        var endpoint = query["endpoint"] ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL")
            ?? throw new ArgumentException($"storage '{text}' needs ?endpoint=http://host:port (or AWS_ENDPOINT_URL)");
        var accessKey = query["access_key"] ?? Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")
            ?? throw new ArgumentException("S3 storage needs an access key: set AWS_ACCESS_KEY_ID (or access_key= in the URL)");
        var secretKey = query["secret_key"] ?? Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY")
            ?? throw new ArgumentException("S3 storage needs a secret key: set AWS_SECRET_ACCESS_KEY (or secret_key= in the URL)");
        var prefix = uri.AbsolutePath.Trim('/');
        return new ObjectStoreLocation(null, new S3StoreOptions(endpoint, bucket, accessKey, secretKey)
        {
            Region = query["region"] ?? "us-east-1",
            KeyPrefix = prefix.Length == 0 ? "" : prefix + "/",
        });
    }

    /// <summary>An optional --storage value of a command: true (and null) when none is given, false with the
    /// reason when it cannot be parsed.</summary>
    public static bool TryParse(string? text, out ObjectStoreLocation? location, out string error)
    {
        location = null;
        error = "";
        if (text is null) return true;
        try
        {
            location = Parse(text);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException)
        {
            error = e.Message;
            return false;
        }
    }

    private static ObjectStoreLocation Local(string path)
    {
        if (!Path.IsPathRooted(path)) throw new ArgumentException($"local storage path '{path}' must be absolute");
        return new ObjectStoreLocation(Path.GetFullPath(path), null);
    }

    public IObjectStore Open() => Directory is not null ? new LocalDirObjectStore(Directory) : new S3ObjectStore(S3!);

    public override string ToString() => Directory is not null ? $"local:{Directory}" : $"s3://{S3!.Bucket} at {S3.ServiceUrl}";
}
