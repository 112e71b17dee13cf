using System.Buffers;
using System.IO.Pipelines;

namespace Vpn.Perf.Shared.Redis;

internal sealed partial class RedisConnection
{
    /// <summary>The one reader loop: parse every whole reply buffered, complete commands in FIFO order, wait for more.</summary>
    private async Task ReadLoopAsync()
    {
        RedisConnectionException? failure = null;
        try
        {
            while (true)
            {
                ReadResult read = await _input.ReadAsync(_shutdown.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                SequencePosition consumed = CompleteReplies(buffer);
                bool partial = !buffer.Slice(consumed).IsEmpty;
                // consumed = whole replies; examined = everything, so the next read waits for new bytes.
                _input.AdvanceTo(consumed, buffer.End);
                if (read.IsCompleted)
                {
                    failure = new RedisConnectionException(partial
                        ? $"Redis at {_options.EndPointText} closed the connection in the middle of a reply."
                        : $"Redis at {_options.EndPointText} closed the connection.");
                    break;
                }
                if (read.IsCanceled)
                    break;
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            // Fail or DisposeAsync stopped us: the reason is recorded already.
        }
        catch (RespProtocolException ex)
        {
            failure = new RedisConnectionException(
                $"Redis at {_options.EndPointText} broke the RESP protocol ({ex.Reason}): {ex.Message} The connection was dropped.", ex);
        }
        catch (Exception ex)
        {
            // Loop boundary (STYLE 4): a socket error tears down this connection and nothing more.
            failure = new RedisConnectionException(
                $"Reading from Redis at {_options.EndPointText} failed: {ex.Message}", ex);
        }
        finally
        {
            Fail(failure ?? NotConnected());
            await _input.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Completes one pending command per whole reply; returns the end of the last whole reply.</summary>
    private SequencePosition CompleteReplies(ReadOnlySequence<byte> buffer)
    {
        var reader = new RespReplyReader(buffer);
        while (reader.TryRead(out RespValue reply))
        {
            PendingCommand? command;
            lock (_inflightLock)
                _inflight.TryDequeue(out command);
            if (command is null)
                RedisThrowHelper.ThrowUnexpectedReply();
            // A command the caller already cancelled still owned this reply: it is dropped here.
            command.Complete(reply);
            Retire(command);
        }
        return reader.Position;
    }
}
