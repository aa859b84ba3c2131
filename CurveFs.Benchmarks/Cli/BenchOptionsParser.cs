using System.Globalization;
using CurveFs.Mount.Cli;

namespace CurveFs.Benchmarks.Cli;

/// <summary>A command line that cannot be run; the message says what to change.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The parsed command line: the command ("all", "fio", ...) and the options.</summary>
public sealed record BenchCommand(string Name, BenchOptions Options);

/// <summary>
/// Parses <c>curvefs-bench COMMAND [options]</c>. Options may come in any order; <c>--quick</c> sets the small
/// preset first and explicit options override it. The S3 settings fall back to CURVEFS_BENCH_S3_ENDPOINT,
/// CURVEFS_BENCH_S3_BUCKET, CURVEFS_BENCH_S3_ACCESS_KEY and CURVEFS_BENCH_S3_SECRET_KEY.
/// </summary>
public static class BenchOptionsParser
{
    public const string EndpointVariable = "CURVEFS_BENCH_S3_ENDPOINT";
    public const string BucketVariable = "CURVEFS_BENCH_S3_BUCKET";
    public const string AccessKeyVariable = "CURVEFS_BENCH_S3_ACCESS_KEY";
    public const string SecretKeyVariable = "CURVEFS_BENCH_S3_SECRET_KEY";

    public static readonly IReadOnlyList<string> Commands = ["all", "fio", "smallfiles", "tar", "s3", "micro", "metadata"];

    public const string Usage = """
        usage: curvefs-bench COMMAND [options]

        commands:
          all          fio, small files, tar and raw S3 on every target, then the micro-benchmarks
          fio          sequential write/read (cold and warm) and random 4 KiB reads with fio
          smallfiles   create, stat, read, delete of many small files (one directory and a 3-level tree)
          tar          tar -x of a tree of small files, then rm -rf
          s3           raw S3 PUT/GET throughput of block-sized objects
          micro        BenchmarkDotNet micro-benchmarks of the client's hot paths
          metadata     the small-file benchmark (old name; --skip-cluster still works)

        options:
          --targets LIST        local,passthrough,embedded,cluster,s3raw (default: all of them)
          --quick               small sizes for a smoke test (~2 minutes); explicit options override it
          --size SIZE           fio file size and raw S3 bytes (default 1G; quick 64M)
          --seconds N           seconds of random 4 KiB reads (default 20; quick 3)
          --rand-jobs N         parallel random readers (default 4)
          --files N             small files per run (default 10000; quick 200)
          --threads LIST        thread counts for small files (default 1,4)
          --file-size SIZE      bytes in each small file (default 4K; 0 for empty files)
          --tar-source DIR      directory packed into the tarball (default /usr/include; quick /usr/include/linux)
          --object-size SIZE    raw S3 object size (default 4M, CurveFs's block size)
          --s3-inflight N       raw S3 requests in flight (default 16, the client's limit)
          --s3-endpoint URL     S3 endpoint for the cluster and raw S3 (default: start s3rver on loopback)
          --s3-bucket NAME      bucket (default curvefs-bench; created if missing)
          --s3-access-key KEY   access key (default S3RVER)
          --s3-secret-key KEY   secret key (default S3RVER)
          --curvefs PATH        the curvefs program (default: beside curvefs-bench, else on PATH)
          --s3rver PATH         the s3rver program (default: .deps/node_modules/.bin/s3rver of the repository)
          --work-dir DIR        where temporary directories go; a local disk (default /tmp)
          --output FILE         also write the markdown report to FILE
          --step-timeout SECS   a step that takes longer counts as hung (default 1800)
          --filter PATTERN      micro-benchmarks to run (BenchmarkDotNet glob, repeatable; default all)
          --skip-micro          leave the micro-benchmarks out of `all`
          --skip-cluster        leave the cluster out (same as omitting it from --targets)
          -- ARGS               the rest goes to BenchmarkDotNet unchanged

        Run as root: dropping the kernel caches and mounting FUSE filesystems need it. bench/run.sh installs
        fio, gcc, libfuse3-dev and s3rver, builds in Release and runs `all`.
        S3 settings also come from CURVEFS_BENCH_S3_ENDPOINT, _BUCKET, _ACCESS_KEY, _SECRET_KEY.
        """;

    /// <summary>Parses args; environment looks up variables (Environment.GetEnvironmentVariable in production).</summary>
    /// <exception cref="UsageException">the command line is wrong.</exception>
    public static BenchCommand Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        if (args.Count == 0) throw new UsageException("no command given");
        var command = args[0];
        if (!Commands.Contains(command)) throw new UsageException($"unknown command '{command}' (known: {string.Join(", ", Commands)})");

        var quick = false;
        var changes = new List<Func<BenchOptions, BenchOptions>>();
        string? endpoint = environment(EndpointVariable);
        string? bucket = environment(BucketVariable);
        string? accessKey = environment(AccessKeyVariable);
        string? secretKey = environment(SecretKeyVariable);
        var filters = new List<string>();
        var extra = new List<string>();
        var skipMicro = false;
        var skipCluster = false;

        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                extra.AddRange(args.Skip(i + 1));
                break;
            }
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"{arg} needs a value");
                return args[++i];
            }
            switch (arg)
            {
                case "--quick": quick = true; break;
                case "--targets": { var v = ParseTargets(Value()); changes.Add(o => o with { Targets = v }); break; }
                case "--size": { var v = ParseSize(arg, Value(), 1 << 20); changes.Add(o => o with { SizeBytes = v }); break; }
                case "--seconds": { var v = ParseInt(arg, Value(), 1); changes.Add(o => o with { RandomReadSeconds = v }); break; }
                case "--rand-jobs": { var v = ParseInt(arg, Value(), 1); changes.Add(o => o with { RandomReadJobs = v }); break; }
                case "--files": { var v = ParseInt(arg, Value(), 1); changes.Add(o => o with { Files = v }); break; }
                case "--threads": { var v = ParseIntList(arg, Value()); changes.Add(o => o with { Threads = v }); break; }
                case "--file-size": { var v = ParseSize(arg, Value(), 0); changes.Add(o => o with { SmallFileBytes = v }); break; }
                case "--tar-source": { var v = Path.GetFullPath(Value()); changes.Add(o => o with { TarSource = v }); break; }
                case "--object-size": { var v = ParseSize(arg, Value(), 1); changes.Add(o => o with { ObjectBytes = v }); break; }
                case "--s3-inflight": { var v = ParseInt(arg, Value(), 1); changes.Add(o => o with { S3InFlight = v }); break; }
                case "--s3-endpoint": endpoint = Value(); break;
                case "--s3-bucket": bucket = Value(); break;
                case "--s3-access-key": accessKey = Value(); break;
                case "--s3-secret-key": secretKey = Value(); break;
                case "--curvefs": { var v = Path.GetFullPath(Value()); changes.Add(o => o with { CurvefsPath = v }); break; }
                case "--s3rver": { var v = Path.GetFullPath(Value()); changes.Add(o => o with { S3rverPath = v }); break; }
                case "--work-dir": { var v = Path.GetFullPath(Value()); changes.Add(o => o with { WorkDir = v }); break; }
                case "--output": { var v = Path.GetFullPath(Value()); changes.Add(o => o with { OutputPath = v }); break; }
                case "--step-timeout": { var v = ParseInt(arg, Value(), 10); changes.Add(o => o with { StepTimeout = TimeSpan.FromSeconds(v) }); break; }
                case "--filter": filters.Add(Value()); break;
                case "--skip-micro": skipMicro = true; break;
                case "--skip-cluster": skipCluster = true; break;
                default: throw new UsageException($"unknown option '{arg}'");
            }
        }

        var options = new BenchOptions();
        if (quick) options = BenchOptions.QuickPreset(options);
        foreach (var change in changes) options = change(options);

        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new UsageException($"--s3-endpoint '{endpoint}' is not an http:// or https:// URL (e.g. http://127.0.0.1:9000)");
            if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
                throw new UsageException($"an S3 endpoint ({endpoint}) needs --s3-access-key and --s3-secret-key (or {AccessKeyVariable} / {SecretKeyVariable})");
        }
        var s3 = new S3Settings(
            string.IsNullOrWhiteSpace(endpoint) ? null : endpoint.TrimEnd('/'),
            string.IsNullOrWhiteSpace(bucket) ? options.S3.Bucket : bucket,
            string.IsNullOrEmpty(accessKey) ? S3Settings.S3rverCredentials : accessKey,
            string.IsNullOrEmpty(secretKey) ? S3Settings.S3rverCredentials : secretKey);
        if (!System.Text.RegularExpressions.Regex.IsMatch(s3.Bucket, "^[a-z0-9][a-z0-9.-]{2,62}$"))
            throw new UsageException($"bucket name '{s3.Bucket}' is not a valid S3 bucket name (3-63 of a-z, 0-9, '.', '-')");

        var workloads = command switch
        {
            "all" => skipMicro ? Workloads.EndToEnd : Workloads.All,
            "fio" => Workloads.Fio,
            "smallfiles" or "metadata" => Workloads.SmallFiles,
            "tar" => Workloads.Tar,
            "s3" => Workloads.S3,
            "micro" => Workloads.Micro,
            _ => throw new UsageException($"unknown command '{command}'"),
        };
        var targets = options.Targets;
        if (command == "s3") targets = [TargetKind.S3Raw];
        if (skipCluster) targets = [.. targets.Where(t => t != TargetKind.Cluster)];
        if (targets.Count == 0 && workloads != Workloads.Micro) throw new UsageException("no target left to run: check --targets");

        return new BenchCommand(command, options with
        {
            S3 = s3,
            Workloads = workloads,
            Targets = targets,
            MicroFilters = filters,
            MicroExtraArgs = extra,
        });
    }

    public static IReadOnlyList<TargetKind> ParseTargets(string text)
    {
        var targets = new List<TargetKind>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            TargetKind target = name.ToLowerInvariant() switch
            {
                "local" => TargetKind.Local,
                "passthrough" or "passthrough_ll" => TargetKind.Passthrough,
                "embedded" => TargetKind.Embedded,
                "cluster" => TargetKind.Cluster,
                "s3raw" or "s3" => TargetKind.S3Raw,
                _ => throw new UsageException($"unknown target '{name}' in --targets (known: local, passthrough, embedded, cluster, s3raw)"),
            };
            if (!targets.Contains(target)) targets.Add(target);
        }
        if (targets.Count == 0) throw new UsageException("--targets lists no target");
        // Always in the order of the report: baselines first.
        return [.. targets.OrderBy(t => t)];
    }

    private static long ParseSize(string option, string text, long minimum)
    {
        if (!SizeParser.TryParse(text, out var bytes) || bytes < minimum)
            throw new UsageException($"{option} '{text}' is not a size of at least {minimum} bytes (e.g. 4K, 64M, 1G)");
        return bytes;
    }

    private static int ParseInt(string option, string text, int minimum)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < minimum)
            throw new UsageException($"{option} '{text}' is not a whole number of at least {minimum}");
        return value;
    }

    private static IReadOnlyList<int> ParseIntList(string option, string text)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => ParseInt(option, v, 1)).Distinct().ToList();
        if (values.Count == 0) throw new UsageException($"{option} lists no number");
        return values;
    }
}
