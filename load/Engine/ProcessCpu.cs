using System.Globalization;

namespace Vpn.Perf.Load.Engine;

/// <summary>
/// CPU time of processes from <c>/proc</c> (Linux), so a run can say which process ate the two cores: the
/// generator, the server under test, Redis, ClickHouse. Reads a few small files per sample, twice per run.
/// </summary>
internal static class ProcessCpu
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux the runtime supports.
    private const double ClockTicksPerSecond = 100;

    /// <summary>Seconds of user + system CPU used so far by <paramref name="pid"/>; null when it is gone.</summary>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After the name: state is f[0], so utime (field 14) is f[11] and stime (field 15) is f[12].
            return (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Busy and total jiffies of the whole machine (first line of <c>/proc/stat</c>).</summary>
    public static (long Busy, long Total) MachineJiffies()
    {
        try
        {
            string line = File.ReadLines("/proc/stat").First();
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long total = 0, idle = 0;
            for (int i = 1; i < f.Length && i <= 8; i++)
            {
                long v = long.Parse(f[i], CultureInfo.InvariantCulture);
                total += v;
                if (i is 4 or 5) idle += v; // idle, iowait
            }
            return (total - idle, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, 0);
        }
    }

    /// <summary>Pids whose command name (<c>/proc/&lt;pid&gt;/comm</c>) or command line contains <paramref name="needle"/>.</summary>
    public static List<int> Find(string needle, bool inCommandLine)
    {
        var found = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            try
            {
                string text = inCommandLine ? File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ') : File.ReadAllText(Path.Combine(dir, "comm"));
                if (text.Contains(needle, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }
        return found;
    }
}
