namespace Vpn.Perf.Api.Tests.ClientFormats;

/// <summary>
/// Rendered outputs compared with files under ClientFormats/Golden/, byte for byte. Set UPDATE_GOLDEN=1 to rewrite
/// them after an intended change, then review the diff.
/// </summary>
internal static class GoldenFiles
{
    public static void AssertMatches(string name, string actual)
    {
        string path = Path.Combine(Path.GetDirectoryName(TestServers.SchemaDirectory)!, "..", "tests", "Vpn.Perf.Api.Tests", "ClientFormats", "Golden", name);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1") File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"{path} is missing; run the test with UPDATE_GOLDEN=1 to create it.");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
