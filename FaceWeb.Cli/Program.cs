return FaceWeb.Cli.CliApp.Run(args);
