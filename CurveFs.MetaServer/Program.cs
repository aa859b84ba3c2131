return CurveFs.MetaServer.Cli.MetaServerCli.Run(args);
