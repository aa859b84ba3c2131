return CurveFs.Benchmarks.BenchCli.Run(args);
