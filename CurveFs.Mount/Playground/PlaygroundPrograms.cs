namespace CurveFs.Mount.Playground;

/// <summary>The S3 server a playground runs: MinIO when <c>minio</c> is on PATH, otherwise s3rver.</summary>
internal sealed record PlaygroundS3Server(string Name, string Program, string AccessKey, string SecretKey)
{
    private const string Bucket = "curvefs-playground";

    /// <summary>MinIO also needs a port for its console.</summary>
    public int PortsNeeded => Name == "minio" ? 2 : 1;

    public PlaygroundS3 Describe(string address) => new(Name, $"http://{address}", Bucket, AccessKey, SecretKey);

    /// <summary>Finds the S3 server to run.</summary>
    /// <exception cref="FileNotFoundException">neither is installed (the message says how to install one).</exception>
    public static PlaygroundS3Server Find()
    {
        if (PlaygroundPrograms.OnPath("minio") is { } minio) return new("minio", minio, "curvefs", "curvefs-playground");
        var s3rver = PlaygroundPrograms.Locate("s3rver", "CURVEFS_S3RVER", Path.Combine(AppContext.BaseDirectory, "s3rver", "node_modules", ".bin", "s3rver"))
            ?? throw new FileNotFoundException("the playground needs an S3 server: put minio on PATH, or install s3rver (./install.sh --playground, " +
                "or `npm install -g s3rver`), or set CURVEFS_S3RVER to its executable");
        return new("s3rver", s3rver, "S3RVER", "S3RVER"); // s3rver's fixed credentials
    }

    /// <summary>The server recorded in a playground's state (same program kind as when it was created).</summary>
    public static PlaygroundS3Server For(PlaygroundS3 s3)
    {
        var found = Find();
        if (found.Name != s3.Server)
            throw new FileNotFoundException($"this playground keeps its data in {s3.Server}, which is no longer found (now: {found.Name})");
        return found;
    }

    public (string Program, List<string> Args, Dictionary<string, string> Environment) CommandFor(PlaygroundProcess process)
    {
        Directory.CreateDirectory(process.ConfigPath);
        var (host, port) = PlaygroundPrograms.Split(process.Address);
        if (Name == "minio")
            return (Program, ["server", process.ConfigPath, "--address", process.Address, "--console-address", process.PeerAddress ?? "127.0.0.1:0"],
                new() { ["MINIO_ROOT_USER"] = AccessKey, ["MINIO_ROOT_PASSWORD"] = SecretKey });
        return (Program, ["-d", process.ConfigPath, "-a", host, "-p", port, "--silent"], []);
    }
}

/// <summary>Where the external programs of a playground are, and their command lines.</summary>
internal static class PlaygroundPrograms
{
    /// <exception cref="FileNotFoundException">etcd is not installed.</exception>
    public static string Etcd() =>
        Locate("etcd", "CURVEFS_ETCD")
        ?? throw new FileNotFoundException("the playground needs etcd: install Debian's etcd-server (./install.sh --playground does), or set CURVEFS_ETCD to an etcd binary");

    public static List<string> EtcdArgs(PlaygroundProcess etcd)
    {
        var client = $"http://{etcd.Address}";
        var peer = $"http://{etcd.PeerAddress}";
        return
        [
            "--name", "playground", "--data-dir", etcd.ConfigPath,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"playground={peer}", "--initial-cluster-state", "new",
            "--log-level", "warn",
        ];
    }

    /// <summary>The program named by the environment variable, else on PATH, else at one of the fallbacks.</summary>
    public static string? Locate(string name, string variable, params string[] fallbacks)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } configured)
            return File.Exists(configured) ? configured : throw new FileNotFoundException($"{variable} names {configured}, which does not exist");
        return OnPath(name) ?? fallbacks.FirstOrDefault(File.Exists);
    }

    public static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    public static (string Host, string Port) Split(string address)
    {
        var colon = address.LastIndexOf(':');
        return (address[..colon], address[(colon + 1)..]);
    }
}
