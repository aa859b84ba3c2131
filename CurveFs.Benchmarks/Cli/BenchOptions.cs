namespace CurveFs.Benchmarks.Cli;

/// <summary>What a benchmark runs on: three baselines, then the two CurveFs deployments (the report's row order).</summary>
public enum TargetKind
{
    /// <summary>A plain directory on the local disk.</summary>
    Local,
    /// <summary>libfuse's passthrough_ll example mounted over a local directory: the FUSE ceiling.</summary>
    Passthrough,
    /// <summary>PUT and GET of block-sized objects straight to the S3 endpoint the cluster uses.</summary>
    S3Raw,
    /// <summary><c>curvefs mount --local</c>: everything in one process, data in a local directory.</summary>
    Embedded,
    /// <summary>A 3-replica playground cluster mounted with its data in S3.</summary>
    Cluster,
}

/// <summary>The workloads of one run.</summary>
[Flags]
public enum Workloads
{
    None = 0,
    Fio = 1,
    SmallFiles = 2,
    Tar = 4,
    S3 = 8,
    Micro = 16,
    EndToEnd = Fio | SmallFiles | Tar | S3,
    All = EndToEnd | Micro,
}

/// <summary>Where the S3 endpoint is. A null endpoint means "start s3rver on loopback for this run".</summary>
public sealed record S3Settings(string? Endpoint, string Bucket, string AccessKey, string SecretKey)
{
    public const string S3rverCredentials = "S3RVER";

    /// <summary>Never print the secret.</summary>
    public override string ToString() => $"S3Settings {{ Endpoint = {Endpoint ?? "(s3rver)"}, Bucket = {Bucket}, AccessKey = {AccessKey} }}";
}

/// <summary>Every setting of a benchmark run; the defaults are the full run of docs/benchmarks.md.</summary>
public sealed record BenchOptions
{
    public static readonly IReadOnlyList<TargetKind> AllTargets =
        [TargetKind.Local, TargetKind.Passthrough, TargetKind.S3Raw, TargetKind.Embedded, TargetKind.Cluster];

    public Workloads Workloads { get; init; } = Workloads.All;
    public IReadOnlyList<TargetKind> Targets { get; init; } = AllTargets;

    /// <summary>fio: size of the sequentially written and read file; raw S3: bytes put and got.</summary>
    public long SizeBytes { get; init; } = 1L << 30;
    /// <summary>fio: seconds of random 4 KiB reads.</summary>
    public int RandomReadSeconds { get; init; } = 20;
    /// <summary>fio: parallel random readers (one process each, like threads of a database).</summary>
    public int RandomReadJobs { get; init; } = 4;

    /// <summary>Small files: files per layout and thread count.</summary>
    public int Files { get; init; } = 10_000;
    /// <summary>Small files: the thread counts to run with.</summary>
    public IReadOnlyList<int> Threads { get; init; } = [1, 4];
    /// <summary>Small files: bytes written into each file (0 for empty files).</summary>
    public long SmallFileBytes { get; init; } = 4096;

    /// <summary>tar: the directory packed once into a tarball, then unpacked and removed on every target.</summary>
    public string TarSource { get; init; } = "/usr/include";

    /// <summary>Raw S3: object size (CurveFs's block size) and requests in flight (the client's limit).</summary>
    public long ObjectBytes { get; init; } = 4L << 20;
    public int S3InFlight { get; init; } = 16;
    public S3Settings S3 { get; init; } = new(null, "curvefs-bench", S3Settings.S3rverCredentials, S3Settings.S3rverCredentials);

    /// <summary>The curvefs program; null: beside curvefs-bench, else on PATH.</summary>
    public string? CurvefsPath { get; init; }
    /// <summary>The s3rver program; null: CURVEFS_S3RVER, else .deps/node_modules/.bin/s3rver above the current or program directory.</summary>
    public string? S3rverPath { get; init; }
    /// <summary>Temporary directories (local baseline, mounts, tarball) go here; it should be on a local disk.</summary>
    public string WorkDir { get; init; } = Path.GetTempPath();
    /// <summary>The markdown report is also written here.</summary>
    public string? OutputPath { get; init; }
    /// <summary>Longest time one step (one fio job, one tar) may take before it counts as hung.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The small preset: every workload, smaller, about two minutes.</summary>
    public bool Quick { get; init; }
    /// <summary>BenchmarkDotNet filters (globs on Type.Method); empty runs every micro-benchmark.</summary>
    public IReadOnlyList<string> MicroFilters { get; init; } = [];
    /// <summary>Arguments after "--", handed to BenchmarkDotNet unchanged.</summary>
    public IReadOnlyList<string> MicroExtraArgs { get; init; } = [];

    public bool Has(TargetKind target) => Targets.Contains(target);
    public bool Runs(Workloads workload) => (Workloads & workload) != 0;

    /// <summary>The --quick sizes (options given explicitly win over them).</summary>
    public static BenchOptions QuickPreset(BenchOptions options) => options with
    {
        Quick = true,
        SizeBytes = 64L << 20,
        RandomReadSeconds = 3,
        Files = 200,
        TarSource = "/usr/include/linux",
    };
}
