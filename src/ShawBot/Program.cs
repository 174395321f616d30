using System.CommandLine;
using ShawBot.Cli.Commands;

var root = new RootCommand("ShawBot: drafts replies to YouTube comments in the creator's voice with a local language model, "
    + "lets moderators approve them in Discord or a web page, posts them, and retrains its adapter every night.");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(AuthCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(PretrainCommand.Create());
root.Subcommands.Add(QuantizeCommand.Create());
root.Subcommands.Add(AdaptersCommand.Create());
root.Subcommands.Add(RetrainCommand.Create());
return await root.Parse(args).InvokeAsync();
