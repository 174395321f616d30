using Microsoft.AspNetCore.Builder;

namespace ShawBot.Sandbox.Hosting;

/// <summary>The web-application builder both sandboxes start from.</summary>
internal static class SandboxHost
{
    /// <summary>
    /// A slim builder whose configuration files are never watched. The default content root is the
    /// working folder, and watching its appsettings.json makes a recursive FileSystemWatcher: on Linux
    /// one inotify watch per sub-folder, ≈ 2,300 in a clone with build output, which cost `shawbot
    /// demo` ≈ 0.3 s of start-up per sandbox. A sandbox reads no settings file, so its content root is
    /// the program's own folder (a user's appsettings.json in the working folder is not the sandbox's)
    /// and reload-on-change is off.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string applicationName) =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = applicationName,
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
}
