namespace Vpn.Perf.Ingest.Spool;

/// <summary>The spool's files are damaged in a way a torn write cannot explain: starting (or reading on) would silently
/// drop acknowledged data, so the spool refuses. The message names the file and the offset.</summary>
internal sealed class SpoolCorruptException : IOException
{
    public SpoolCorruptException(string message)
        : base(message)
    {
    }

    public SpoolCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SpoolCorruptException()
    {
    }
}
