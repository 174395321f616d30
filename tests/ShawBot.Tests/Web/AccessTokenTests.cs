using System.Net;
using System.Net.Http.Headers;
using ShawBot.Cli.Demo;
using ShawBot.Tests.Support;

namespace ShawBot.Tests.Web;

public sealed class AccessTokenTests
{
    private const string Token = "s3cret-token-for-tests-0123456789";

    [Fact]
    public async Task With_a_token_every_request_needs_it_by_query_cookie_or_bearer()
    {
        using var folder = new TempFolder();
        var options = DemoPageBrowserTests.DemoOptions(folder.File("state"), model: null);
        var settings = new Dictionary<string, string?>(options.Settings) { ["ShawBot:Web:AccessToken"] = Token };
        await using var demo = await DemoHost.StartAsync(options with { Settings = settings });
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = demo.PageUri };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/queue")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("?token=wrong-token-wrong-token")).StatusCode);

        var login = await http.GetAsync("?token=" + Token);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.DoesNotContain("token", login.Headers.Location!.ToString(), StringComparison.Ordinal);
        var cookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/status")).StatusCode);

        using var bearer = new HttpClient { BaseAddress = demo.PageUri };
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("api/queue")).StatusCode);
    }
}
