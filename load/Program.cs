// load -- <scenario> [options]: see load/README.md.
return await Vpn.Perf.Load.Cli.RunAsync(args);
