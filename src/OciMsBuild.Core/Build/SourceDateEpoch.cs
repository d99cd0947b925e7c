using System;
using System.Globalization;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Build
{
    /// <summary>
    /// The one timestamp an image carries (layer mtimes, config created, history): from
    /// SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the Unix epoch. Never the clock.
    /// </summary>
    public static class SourceDateEpoch
    {
        public static DateTimeOffset Resolve(string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) return DateTimeOffset.FromUnixTimeSeconds(0);
            if (!long.TryParse(value!.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253402300799)
                throw new OciException(ErrorCodes.InvalidSourceDateEpoch,
                    $"SOURCE_DATE_EPOCH '{value}' is not valid: use whole seconds since 1970-01-01T00:00:00Z, e.g. 1700000000 (git log -1 --format=%ct).");
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }
}
