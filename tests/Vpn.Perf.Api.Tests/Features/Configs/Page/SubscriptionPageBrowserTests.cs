using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Vpn.Perf.Api.Tests.Hosting;
using Xunit.Abstractions;

namespace Vpn.Perf.Api.Tests.Features.Configs.Page;

/// <summary>
/// The subscription page in a real browser (<see cref="HeadlessChromium"/>) against the Api on a real port: what a
/// person sees, what the policy lets load, and whether the QR codes read back as the config URL. The screenshot is
/// kept under <c>$VPNPERF_TEST_RESULTS</c> (the test command sets <c>.data/test-results</c>), else the test
/// assembly's <c>TestResults</c>, and its path is printed.
/// </summary>
public sealed class SubscriptionPageBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SubscriptionPage_InHeadlessChromium_RendersUsageAndQrUnderItsPolicy()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(SubscriptionPage_InHeadlessChromium_RendersUsageAndQrUnderItsPolicy));
        await using ApiFactory host = api;
        app.UseKestrel(0);
        app.StartServer();
        string root = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        await using NpgsqlDataSource db = api.OpenDataSource();
        (Guid sid, string token) = await PageKit.SubscriptionAsync(app.Services, new ConfigSeed(db), "Семья & друзья <3", "Notes: two phones");
        const long Used = (13L << 30) / 4; // 3.25 GiB
        await using IAsyncDisposable usage = await PageKit.UsageAsync(sid, Used);
        string configUrl = PageKit.PublicBaseUrl + "/s/" + token;

        // Headers are what WebDriver cannot read: the same request as the browser's, from here.
        using (var http = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, root + "/s/" + token);
            request.Headers.TryAddWithoutValidation("Accept", PageKit.BrowserAccept);
            request.Headers.TryAddWithoutValidation("User-Agent", PageKit.BrowserAgent);
            HttpResponseMessage r = await http.SendAsync(request);
            Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("default-src 'none'", string.Join(";", r.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        }

        using HeadlessChromium chromium = HeadlessChromium.Start();
        ChromeDriver driver = chromium.Driver;
        driver.Navigate().GoToUrl(root + "/s/" + token);

        Assert.Equal("Семья & друзья <3", driver.FindElement(By.Id("title")).Text);
        Assert.Equal("Семья & друзья <3", driver.Title);
        IWebElement meter = driver.FindElement(By.Id("usage"));
        Assert.Equal(Used, Convert.ToInt64(((IJavaScriptExecutor)driver).ExecuteScript("return document.getElementById('usage').value;"), CultureInfo.InvariantCulture));
        Assert.Equal(PageKit.Limit, Convert.ToInt64(((IJavaScriptExecutor)driver).ExecuteScript("return document.getElementById('usage').max;"), CultureInfo.InvariantCulture));
        Assert.True(meter.Displayed && meter.Size.Width > 100, $"the usage bar is shown ({meter.Size})");
        Assert.Equal("3.25 GiB / 10 GiB", driver.FindElement(By.Id("usage-text")).Text);
        Assert.Equal(PageKit.NextReset, driver.FindElement(By.Id("reset")).Text);
        Assert.Equal("2 / 3", driver.FindElement(By.Id("devices")).Text);
        Assert.Equal(configUrl + "/mihomo", driver.FindElement(By.Id("link-mihomo")).GetAttribute("value"));

        // The hashed stylesheet applied and the data: image loaded: the policy allows exactly what the page uses...
        IWebElement button = driver.FindElement(By.CssSelector(".apps a"));
        Assert.Equal("rgba(36, 86, 211, 1)", button.GetCssValue("background-color"));
        Assert.True((bool)((IJavaScriptExecutor)driver).ExecuteScript("const q = document.getElementById('qr'); return q.complete && q.naturalWidth > 0;")!);
        // ...and refused nothing while the page loaded.
        Assert.Empty(chromium.Violations());
        Assert.DoesNotContain(chromium.ConsoleEntries(), e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));

        // The page's QR code, as served and as shown, reads back as the config URL.
        string src = driver.FindElement(By.Id("qr")).GetAttribute("src")!;
        Assert.StartsWith("data:image/png;base64,", src, StringComparison.Ordinal);
        Assert.Equal([configUrl], await Zbar.DecodeAsync(Convert.FromBase64String(src["data:image/png;base64,".Length..])));
        string shot = Artifact("subscription-page.png");
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(shot);
        output.WriteLine("subscription page screenshot: " + shot);
        Console.WriteLine("subscription page screenshot: " + shot);
        Assert.Equal([configUrl], await Zbar.DecodeFileAsync(shot));

        // The recorder would have seen a violation: a style the policy does not list is refused and reported.
        ((IJavaScriptExecutor)driver).ExecuteScript("const s = document.createElement('style'); s.textContent = 'body{color:red}'; document.head.appendChild(s);");
        await ConfigEndpointTests.EventuallyAsync(() => Task.FromResult(chromium.Violations().Count > 0), "the injected style's violation");

        // The QR endpoint in both formats, as the browser renders them.
        foreach ((string query, string file) in new[] { ("", "qr.png"), ("?type=svg", "qr-svg.png") })
        {
            driver.Navigate().GoToUrl($"{root}/s/{token}/qr{query}");
            string image = Artifact(file);
            ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(image);
            Assert.Equal([configUrl], await Zbar.DecodeFileAsync(image));
        }
    }

    private static string Artifact(string name)
    {
        string dir = Environment.GetEnvironmentVariable("VPNPERF_TEST_RESULTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "TestResults");
        dir = Path.Combine(dir, "subscription-page");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }
}
