return CurveFs.Benchmarks.Cli.BenchCli.Run(args);
