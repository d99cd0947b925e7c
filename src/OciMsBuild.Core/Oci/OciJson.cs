using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Newtonsoft.Json.Serialization;

namespace OciMsBuild.Core.Oci
{
    /// <summary>
    /// One stable JSON form for everything we hash: compact, properties in declaration order,
    /// nulls omitted, UTF-8 without BOM. Same object → same bytes → same digest on every machine.
    /// </summary>
    public static class OciJson
    {
        public static readonly JsonSerializerSettings Settings = new JsonSerializerSettings
        {
            NullValueHandling = NullValueHandling.Ignore,
            Formatting = Formatting.None,
            ContractResolver = new DefaultContractResolver(),
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Decimal,
        };

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        public static byte[] ToBytes(object value) => Utf8.GetBytes(JsonConvert.SerializeObject(value, Settings));

        public static string ToText(object value) => JsonConvert.SerializeObject(value, Settings);

        public static T Parse<T>(byte[] bytes) => JsonConvert.DeserializeObject<T>(Utf8.GetString(bytes), Settings)!;

        public static T Parse<T>(string text) => JsonConvert.DeserializeObject<T>(text, Settings)!;

        /// <summary>Parses without turning date strings into DateTime, so re-serializing keeps them verbatim.</summary>
        public static JObject ParseObject(byte[] bytes)
        {
            using var reader = new JsonTextReader(new System.IO.StringReader(Utf8.GetString(bytes)))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Decimal,
            };
            return JObject.Load(reader);
        }

        public static byte[] ToBytes(JToken token) => Utf8.GetBytes(token.ToString(Formatting.None));
    }
}
