using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json;

namespace OciMsBuild.Core.Registry
{
    /// <summary>The distribution-spec error body: {"errors":[{"code","message","detail"}]}.</summary>
    public sealed class RegistryErrorBody
    {
        [JsonProperty("errors")] public List<RegistryErrorEntry>? Errors { get; set; }

        public sealed class RegistryErrorEntry
        {
            [JsonProperty("code")] public string? Code { get; set; }
            [JsonProperty("message")] public string? Message { get; set; }
        }

        /// <summary>The spec's codes (BLOB_UNKNOWN, DENIED, …) found in a body; empty when it is not JSON.</summary>
        public static IReadOnlyList<RegistryErrorEntry> Parse(string? body)
        {
            if (string.IsNullOrWhiteSpace(body) || body!.TrimStart()[0] != '{') return new RegistryErrorEntry[0];
            try
            {
                return JsonConvert.DeserializeObject<RegistryErrorBody>(body)?.Errors?.Where(e => e != null).ToList()
                       ?? (IReadOnlyList<RegistryErrorEntry>)new RegistryErrorEntry[0];
            }
            catch (JsonException) { return new RegistryErrorEntry[0]; }
        }

        /// <summary>404 for a repository the registry does not have.</summary>
        public const string NameUnknown = "NAME_UNKNOWN";

        /// <summary>Whether the body carries the spec's error <paramref name="code"/>.</summary>
        public static bool Has(string? body, string code) => Parse(body).Any(e => e.Code == code);

        /// <summary>'MANIFEST_INVALID: manifest invalid; DENIED: …' or the raw start of a non-JSON body.</summary>
        public static string Describe(string? body)
        {
            var errors = Parse(body);
            if (errors.Count > 0)
                return string.Join("; ", errors.Select(e => (e.Code ?? "UNKNOWN") + (string.IsNullOrEmpty(e.Message) ? "" : ": " + e.Message)));
            var text = (body ?? "").Trim();
            return text.Length > 200 ? text.Substring(0, 200) + "…" : text;
        }
    }
}
