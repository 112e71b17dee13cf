using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Vpn.Perf.Api.Tests.Features.Configs.Page;

/// <summary>
/// Debian's <c>chromium</c>, headless, driven through Debian's <c>chromedriver</c> of the same build (both installed by
/// the test command), so nothing is downloaded: Selenium is handed both paths and never runs its driver manager.
/// Flags: <c>--headless=new</c> (the real browser without a window), <c>--no-sandbox</c> (Chromium refuses to start its
/// sandbox as root, which the test machines are), <c>--disable-dev-shm-usage</c> (a container's small /dev/shm would
/// crash the renderer), <c>--disable-gpu</c>, and a profile directory of its own per instance.
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    public const string BrowserPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    /// <summary>
    /// Collects the page's <c>securitypolicyviolation</c> events from its first script on, in <c>window.__csp</c>:
    /// added through the DevTools protocol, which runs it before the page's own content and outside its policy.
    /// </summary>
    private const string ViolationRecorder = """
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
        """;

    private readonly string _profile;

    private HeadlessChromium(ChromeDriver driver, string profile)
    {
        Driver = driver;
        _profile = profile;
    }

    public ChromeDriver Driver { get; }

    public static HeadlessChromium Start()
    {
        foreach (string path in new[] { BrowserPath, DriverPath })
        {
            if (!File.Exists(path)) Assert.Fail($"{path} is missing. Run `apt-get install chromium chromium-driver` (the test command does).");
        }
        string profile = Directory.CreateTempSubdirectory("vpnperf-chromium-").FullName;
        ChromeDriverService service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=480,1600",
            "--user-data-dir=" + profile, "--lang=en-US");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
        driver.ExecuteCdpCommand("Page.addScriptToEvaluateOnNewDocument", new Dictionary<string, object?> { ["source"] = ViolationRecorder });
        return new HeadlessChromium(driver, profile);
    }

    /// <summary>The policy violations the current page reported so far.</summary>
    public IReadOnlyList<string> Violations()
        => ((IReadOnlyCollection<object>)Driver.ExecuteScript("return window.__csp || ['the violation recorder did not run'];")!).Select(o => o.ToString()!).ToList();

    /// <summary>The browser console's entries (Chromium logs each refused resource there too).</summary>
    public IReadOnlyList<string> ConsoleEntries() => Driver.Manage().Logs.GetLog(LogType.Browser).Select(e => e.Level + " " + e.Message).ToList();

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium's last writes may still be landing; the profile is in the temp directory either way.
        }
    }
}
