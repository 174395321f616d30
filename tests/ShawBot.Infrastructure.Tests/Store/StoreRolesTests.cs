using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.Tests.Store;

/// <summary>The store's roles are one SQLite store: what the poller adds, the drafter and publisher see.</summary>
public sealed class StoreRolesTests
{
    [Fact]
    public void Every_role_resolves_to_the_one_sqlite_store()
    {
        using var folder = new Support.TempFolder();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ShawBot:Store:DatabasePath"] = folder.File("roles.db"),
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddShawBotInfrastructure(configuration).BuildServiceProvider();
        var store = services.GetRequiredService<Infrastructure.Store.SqliteCommentStore>();
        Assert.Same(store, services.GetRequiredService<ICommentStore>());
        Assert.Same(store, services.GetRequiredService<ICommentIngest>());
        Assert.Same(store, services.GetRequiredService<IReviewStore>());
        Assert.Same(store, services.GetRequiredService<IPublishStore>());
        Assert.Same(store, services.GetRequiredService<IQuotaStore>());
    }

    [Fact]
    public void The_roles_together_are_the_whole_store_contract()
    {
        // 24 operations, each in exactly one role: a second store implements the four roles and nothing else.
        Type[] roles = [typeof(ICommentIngest), typeof(IReviewStore), typeof(IPublishStore), typeof(IQuotaStore)];
        Assert.Equal(roles.ToHashSet(), typeof(ICommentStore).GetInterfaces().ToHashSet());
        Assert.Empty(typeof(ICommentStore).GetMethods());
        var names = roles.SelectMany(r => r.GetMethods()).Select(m => m.Name).ToList();
        Assert.Equal(24, names.Count);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(new[] { 6, 9, 5, 4 }, roles.Select(r => r.GetMethods().Length));
    }
}
