return CurveFs.Mds.Cli.MdsCli.Run(args);
