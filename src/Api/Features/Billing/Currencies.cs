using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Vpn.Perf.Api.Features.Billing;

/// <summary>
/// The ISO 4217 currencies billing accepts, with their minor units (digits after the decimal point), in one place.
/// A code outside this list is refused rather than guessed at: the number of decimals an amount may have depends on
/// it. Add a currency here (with its ISO 4217 minor units) to sell in it.
/// </summary>
internal static class Currencies
{
    private static readonly FrozenDictionary<string, int> MinorUnits = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        // Two decimals.
        ["AED"] = 2, ["ARS"] = 2, ["AUD"] = 2, ["AZN"] = 2, ["BGN"] = 2, ["BRL"] = 2, ["BYN"] = 2, ["CAD"] = 2, ["CHF"] = 2,
        ["CNY"] = 2, ["CZK"] = 2, ["DKK"] = 2, ["EGP"] = 2, ["EUR"] = 2, ["GBP"] = 2, ["GEL"] = 2, ["HKD"] = 2, ["HUF"] = 2,
        ["IDR"] = 2, ["ILS"] = 2, ["INR"] = 2, ["KZT"] = 2, ["MDL"] = 2, ["MXN"] = 2, ["MYR"] = 2, ["NOK"] = 2, ["NZD"] = 2,
        ["PHP"] = 2, ["PLN"] = 2, ["RON"] = 2, ["RSD"] = 2, ["RUB"] = 2, ["SAR"] = 2, ["SEK"] = 2, ["SGD"] = 2, ["THB"] = 2,
        ["TRY"] = 2, ["TWD"] = 2, ["UAH"] = 2, ["USD"] = 2, ["UZS"] = 2, ["ZAR"] = 2, ["AMD"] = 2, ["KGS"] = 2, ["TJS"] = 2,
        // No minor unit.
        ["CLP"] = 0, ["ISK"] = 0, ["JPY"] = 0, ["KRW"] = 0, ["VND"] = 0, ["PYG"] = 0, ["UGX"] = 0,
        // Three decimals.
        ["BHD"] = 3, ["IQD"] = 3, ["JOD"] = 3, ["KWD"] = 3, ["LYD"] = 3, ["OMR"] = 3, ["TND"] = 3,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The accepted codes, sorted (for error messages and the docs).</summary>
    public static IEnumerable<string> Codes => MinorUnits.Keys.Order(StringComparer.Ordinal);

    /// <summary>A code is three upper-case ASCII letters and one of the accepted currencies.</summary>
    public static bool TryGetMinorUnits([NotNullWhen(true)] string? code, out int minorUnits, [NotNullWhen(false)] out string? error)
    {
        minorUnits = 0;
        if (code is null || code.Length != 3 || !code.All(char.IsAsciiLetterUpper))
        {
            error = "Must be an ISO 4217 currency code: three upper-case letters such as USD or EUR.";
            return false;
        }
        if (!MinorUnits.TryGetValue(code, out minorUnits))
        {
            error = $"'{code}' is not an accepted currency; accepted: {string.Join(", ", Codes)}.";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>
    /// Checks an amount against its currency: positive, and no more decimals than the currency has (9.999 USD is
    /// refused, not rounded: the client meant something the currency cannot express).
    /// </summary>
    public static string? CheckAmount(decimal amount, int minorUnits)
    {
        if (amount <= 0) return "Must be greater than 0.";
        if (decimal.Round(amount, minorUnits) != amount)
        {
            return minorUnits == 0 ? "This currency has no minor unit; give a whole number." : $"This currency has {minorUnits} decimal places at most.";
        }
        if (amount > 1_000_000_000m) return "Must be at most 1000000000.";
        return null;
    }

    /// <summary>The amount written with exactly the currency's decimals (10 USD as 10.00), for display and JSON.</summary>
    public static decimal Normalize(decimal amount, string currency)
    {
        int minor = MinorUnits.TryGetValue(currency, out int m) ? m : 2;
        decimal rounded = decimal.Round(amount, minor, MidpointRounding.ToEven);
        // Adding a zero of scale `minor` raises the scale to at least `minor` without changing the value.
        return rounded + new decimal(0, 0, 0, false, (byte)minor);
    }
}
