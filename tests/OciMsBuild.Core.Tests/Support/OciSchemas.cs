using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Text;
using NJsonSchema;
using NUnit.Framework;

namespace OciMsBuild.Core.Tests.Support
{
    /// <summary>
    /// Validates documents against the OCI image-spec JSON schemas copied to Schemas/.
    /// The schemas are draft-04 and reference sibling files by name; NJsonSchema resolves
    /// those relative to the file it loaded.
    /// </summary>
    public static class OciSchemas
    {
        public const string Manifest = "image-manifest-schema.json";
        public const string Index = "image-index-schema.json";
        public const string Config = "config-schema.json";
        public const string Layout = "image-layout-schema.json";
        public const string Descriptor = "content-descriptor.json";
        /// <summary>SPDX 2.3 (not OCI, but loaded the same way).</summary>
        public const string Spdx = "spdx-2.3-schema.json";

        private static readonly ConcurrentDictionary<string, JsonSchema> Cache = new ConcurrentDictionary<string, JsonSchema>();

        public static JsonSchema Load(string schemaFile) => Cache.GetOrAdd(schemaFile, f =>
        {
            var path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Schemas", f);
            Assert.That(File.Exists(path), Is.True, $"schema {path} is not in the test output");
            return JsonSchema.FromFileAsync(path).GetAwaiter().GetResult();
        });

        /// <summary>The validation errors, one line each (empty when valid).</summary>
        public static string[] Errors(string schemaFile, string json) =>
            Load(schemaFile).Validate(json).Select(e => e.ToString()).ToArray();

        public static string[] Errors(string schemaFile, byte[] json) => Errors(schemaFile, Encoding.UTF8.GetString(json));

        public static void AssertValid(string schemaFile, byte[] json) => AssertValid(schemaFile, Encoding.UTF8.GetString(json));

        public static void AssertValid(string schemaFile, string json)
        {
            var errors = Errors(schemaFile, json);
            Assert.That(errors, Is.Empty, $"{schemaFile} rejects:{Environment.NewLine}{json}");
        }
    }
}
