namespace CurveFs.Benchmarks.Cli;

/// <summary><c>curvefs-bench COMMAND [options]</c>: parses the command line, runs, prints the markdown report on
/// standard output (progress goes to standard error). Exit 0 when everything ran, 1 when some step failed
/// (the report says which), 64 for a bad command line.</summary>
public static class BenchCli
{
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(BenchOptionsParser.Usage);
            return args.Length == 0 ? 64 : 0;
        }
        BenchCommand command;
        try
        {
            command = BenchOptionsParser.Parse(args, Environment.GetEnvironmentVariable);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"curvefs-bench: {e.Message} (curvefs-bench --help lists the commands and options)");
            return 64;
        }
        var report = BenchDriver.Run(command.Options);
        var markdown = report.Render();
        Console.WriteLine(markdown);
        if (command.Options.OutputPath is { } output)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            File.WriteAllText(output, markdown);
            Console.Error.WriteLine($"curvefs-bench: report written to {output}");
        }
        return BenchDriver.HasFailures(report) ? 1 : 0;
    }
}
