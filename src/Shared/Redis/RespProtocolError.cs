namespace Vpn.Perf.Shared.Redis;

/// <summary>Why a reply stream was rejected. Values are explicit and never renumbered.</summary>
public enum RespProtocolError
{
    /// <summary>A reply started with a byte that is not one of <c>+ - : $ *</c>.</summary>
    UnknownPrefix = 1,

    /// <summary>A line did not end in CRLF (a bare CR, or bytes after a bulk body where CRLF belongs).</summary>
    MissingCrlf = 2,

    /// <summary>An integer, length or count line was empty, had non-digits, or overflowed 64 bits.</summary>
    InvalidInteger = 3,

    /// <summary>A bulk length or array count was negative (other than -1 for null).</summary>
    NegativeLength = 4,

    /// <summary>A bulk length exceeded <see cref="RespLimits.MaxBulkBytes"/>.</summary>
    BulkTooLong = 5,

    /// <summary>An array count exceeded <see cref="RespLimits.MaxArrayLength"/>.</summary>
    ArrayTooLong = 6,

    /// <summary>Arrays nested deeper than <see cref="RespLimits.MaxNestingDepth"/>.</summary>
    NestingTooDeep = 7,

    /// <summary>A simple string or error line exceeded <see cref="RespLimits.MaxLineBytes"/>.</summary>
    LineTooLong = 8,

    /// <summary>A reply arrived when no command was waiting for one.</summary>
    UnexpectedReply = 9,
}
