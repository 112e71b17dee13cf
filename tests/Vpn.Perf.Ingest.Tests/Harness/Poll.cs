namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>Bounded polling: every wait in these tests has a deadline, and nothing asserts on how long it took.</summary>
internal static class Poll
{
    /// <summary>Polls <paramref name="probe"/> until it returns true; fails with <paramref name="what"/> and the last value after the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> probe, TimeSpan deadline, string what, Func<Task<string>>? describe = null)
    {
        DateTime end = DateTime.UtcNow + deadline;
        while (true)
        {
            if (await probe()) return;
            if (DateTime.UtcNow >= end)
            {
                string detail = describe is null ? "" : " Last state: " + await describe();
                Assert.Fail($"Timed out after {deadline.TotalSeconds:0.#} s waiting for {what}.{detail}");
            }
            await Task.Delay(100);
        }
    }
}
