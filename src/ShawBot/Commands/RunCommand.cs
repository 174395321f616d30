using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ShawBot.Cli.Hosting;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Model;

namespace ShawBot.Cli.Commands;

/// <summary>`shawbot run`: the real service (YouTube with OAuth, Discord and/or the web page, a local model).</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo?>("--model") { Description = "model folder; overrides ShawBot:Engine:ModelPath" };
        var quantize = new Option<string?>("--quantize") { Description = "none, nf4 or fp4; overrides ShawBot:Engine:Quantize" }
            .AcceptOnlyFromAmong([.. WeightFormatNames.All]);
        var doubleQuant = new Option<bool?>("--double-quant") { Description = "true or false: 8-bit per-block scales with nf4/fp4; overrides ShawBot:Engine:DoubleQuant" };
        var kernels = new Option<string?>("--kernels") { Description = "auto, fast or exact: 4-bit linears at inference; overrides ShawBot:Engine:Kernels" }
            .AcceptOnlyFromAmong(KernelModes.Names);
        var port = new Option<int?>("--port") { Description = "port of the moderation page; overrides ShawBot:Web:Port" };
        var config = new Option<FileInfo?>("--config") { Description = "settings file (default: appsettings.json in the working folder)" };
        var cmd = new Command("run", "Run the service: poll YouTube, draft replies with the local model, moderate in Discord and/or the web page, "
            + "post approved replies. Settings: appsettings.json, user secrets, environment (ShawBot__Section__Key).")
        {
            model, quantize, doubleQuant, kernels, port, config,
        };
        cmd.SetAction((pr, ct) => CommonOptions.Guard(async () =>
        {
            var overrides = new Dictionary<string, string?>();
            if (pr.GetValue(model) is { } m) overrides["ShawBot:Engine:ModelPath"] = m.FullName;
            if (pr.GetValue(quantize) is { } q) overrides["ShawBot:Engine:Quantize"] = q;
            if (pr.GetValue(doubleQuant) is { } dq) overrides["ShawBot:Engine:DoubleQuant"] = dq ? "true" : "false";
            if (pr.GetValue(kernels) is { } k) overrides["ShawBot:Engine:Kernels"] = k;
            if (pr.GetValue(port) is { } p) overrides["ShawBot:Web:Port"] = p.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var settingsFile = pr.GetValue(config)?.FullName;
            if (settingsFile is not null && !File.Exists(settingsFile))
            {
                throw new FileNotFoundException($"settings file {settingsFile} not found");
            }

            void Configure(IConfigurationBuilder c)
            {
                c.AddJsonFile(settingsFile ?? Path.Combine(Environment.CurrentDirectory, "appsettings.json"), optional: settingsFile is null, reloadOnChange: false);
                c.AddUserSecrets(typeof(RunCommand).Assembly, optional: true);
                c.AddEnvironmentVariables();
                c.AddInMemoryCollection(overrides);
            }

            var probe = new ConfigurationBuilder();
            Configure(probe);
            var problems = RunPreflight.Check(probe.Build());
            if (problems.Count > 0)
            {
                Console.Error.WriteLine("shawbot run cannot start:");
                foreach (var problem in problems) Console.Error.WriteLine($"  - {problem}");
                Console.Error.WriteLine("See README.md, \"Running it for real\".");
                return 2;
            }

            try
            {
                await using var app = ServiceHost.Build(Environment.CurrentDirectory, Configure);
                await app.StartAsync(ct);
                if (ServiceHost.PageAddress(app) is { } page)
                {
                    Console.WriteLine($"ShawBot is running · moderation page: {page} · Ctrl+C stops");
                }

                await app.WaitForShutdownAsync(ct);
                return 0;
            }
            catch (OptionsValidationException e)
            {
                Console.Error.WriteLine("shawbot run cannot start: invalid settings");
                foreach (var failure in e.Failures) Console.Error.WriteLine($"  - {failure}");
                return 2;
            }
        }));
        return cmd;
    }
}
