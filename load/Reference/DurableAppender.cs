using Microsoft.Win32.SafeHandles;
using Vpn.Perf.Shared.Storage;

namespace Vpn.Perf.Load.Reference;

/// <summary>
/// The least a server does that answers a body only once it is on disk: append it to one file and make it durable
/// with the others that arrived meanwhile (one <c>pwritev</c> and one <c>fdatasync</c> per group, as Ingest's spool
/// does, and the same page-cache drop of what is durable, since nothing reads it back). No record framing, checksums,
/// segments, limits or reader: what it costs beside the bare reference is the ceiling of any durable acceptance.
/// </summary>
internal sealed class DurableAppender : IDisposable
{
    // Dropped in whole 2 MiB chunks, as the spool does: the kernel keeps a large folio that a range covers in part.
    private const long CacheDropChunk = 2 << 20;

    private readonly SafeFileHandle _file;
    private readonly Thread _writer;
    private readonly object _gate = new(); // a monitor: the writer waits on it for work
    private List<Pending> _queued = [];
    private List<Pending> _writing = [];
    private readonly List<ReadOnlyMemory<byte>> _gather = [];
    private long _offset;
    private long _cacheDroppedTo;
    private bool _stopping;

    private readonly record struct Pending(ReadOnlyMemory<byte> Body, TaskCompletionSource Durable);

    public DurableAppender(string path)
    {
        _file = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "reference durable appender" };
        _writer.Start();
    }

    /// <summary>Completes once <paramref name="body"/> is on disk; the caller keeps the memory untouched until then.</summary>
    public Task AppendAsync(ReadOnlyMemory<byte> body)
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _queued.Add(new Pending(body, durable));
            if (_queued.Count == 1) Monitor.Pulse(_gate);
        }
        return durable.Task;
    }

    private void WriteLoop()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_queued.Count == 0 && !_stopping) Monitor.Wait(_gate);
                if (_queued.Count == 0) return;
                (_queued, _writing) = (_writing, _queued);
            }
            foreach (Pending p in _writing) _gather.Add(p.Body);
            try
            {
                RandomAccess.Write(_file, _gather, _offset);
                PosixSync.FlushData(_file);
                foreach (Pending p in _writing) _offset += p.Body.Length;
                long to = _offset & ~(CacheDropChunk - 1);
                if (to > _cacheDroppedTo)
                {
                    PosixSync.DropCache(_file, _cacheDroppedTo, to - _cacheDroppedTo);
                    _cacheDroppedTo = to;
                }
                foreach (Pending p in _writing) p.Durable.SetResult();
            }
            catch (IOException ex)
            {
                foreach (Pending p in _writing) p.Durable.SetException(ex);
            }
            _writing.Clear();
            _gather.Clear();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }
        _writer.Join();
        _file.Dispose();
    }
}
