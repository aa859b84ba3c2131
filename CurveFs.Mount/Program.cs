return CurveFs.Mount.Cli.CurveCli.Run(args);
