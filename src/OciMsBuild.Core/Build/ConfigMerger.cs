using System;
using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Layers;

namespace OciMsBuild.Core.Build
{
    /// <summary>
    /// Base image config + our settings → the new image config. The base's fields we do not own
    /// (healthcheck, stop signal, volumes, …) are kept as they were.
    /// </summary>
    public static class ConfigMerger
    {
        public static JObject Merge(JObject baseConfig, ContainerSettings settings, IReadOnlyList<LayerRecord> layers, DateTimeOffset created)
        {
            var config = (JObject)baseConfig.DeepClone();
            // Newtonsoft clones a token that already has a parent when it is assigned, so only
            // freshly created containers are attached; existing ones are edited in place.
            var inner = ChildObject(config, "config");
            var createdText = SourceDateEpoch.Format(created);

            var env = MergeEnvironment(inner["Env"] as JArray, settings.Environment);
            SetOrRemove(inner, "Env", env.Count == 0 ? null : new JArray(env.Select(kv => kv.Key + "=" + kv.Value)));

            SetOrRemove(inner, "Entrypoint", new JArray(Entrypoint(settings)));
            SetOrRemove(inner, "Cmd", settings.DefaultArgs.Count == 0 ? null : new JArray(settings.DefaultArgs));
            inner["WorkingDir"] = settings.WorkingDirectory;

            var user = settings.User ?? Lookup(env, "APP_UID") ?? (string?)inner["User"];
            // (string → JToken converts null to a JSON null, which the config schema rejects: remove instead.)
            SetOrRemove(inner, "User", string.IsNullOrEmpty(user) ? null : new JValue(user));

            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (inner["Labels"] is JObject baseLabels)
                foreach (var p in baseLabels.Properties()) labels[p.Name] = (string?)p.Value ?? "";
            foreach (var kv in settings.Labels) labels[kv.Key] = kv.Value;
            SetOrRemove(inner, "Labels", labels.Count == 0 ? null : new JObject(labels.Select(kv => new JProperty(kv.Key, kv.Value))));

            var ports = new SortedSet<string>(StringComparer.Ordinal);
            if (inner["ExposedPorts"] is JObject basePorts)
                foreach (var p in basePorts.Properties()) ports.Add(p.Name);
            foreach (var p in settings.Ports) ports.Add(p.ToString());
            if (settings.IsWebApp) foreach (var p in AspNetCorePorts(Lookup(env, "ASPNETCORE_HTTP_PORTS"))) ports.Add(p);
            SetOrRemove(inner, "ExposedPorts", ports.Count == 0 ? null : new JObject(ports.Select(p => new JProperty(p, new JObject()))));

            config["created"] = createdText;

            var rootfs = ChildObject(config, "rootfs");
            rootfs["type"] = "layers";
            var diffIds = ChildArray(rootfs, "diff_ids");
            foreach (var layer in layers) diffIds.Add(layer.DiffId);

            var history = ChildArray(config, "history");
            foreach (var layer in layers)
                history.Add(new JObject
                {
                    ["created"] = createdText,
                    ["created_by"] = "OciMsBuild: " + layer.Kind + " layer",
                });
            return config;
        }

        public static IEnumerable<string> Entrypoint(ContainerSettings s)
        {
            var dir = s.WorkingDirectory == "/" ? "" : s.WorkingDirectory;
            IEnumerable<string> head;
            if (s.AppCommand.Count > 0) head = s.AppCommand;
            else if (!string.IsNullOrEmpty(s.AppHostFileName)) head = new[] { dir + "/" + s.AppHostFileName };
            else head = new[] { "dotnet", dir + "/" + s.AssemblyName + ".dll" };
            return head.Concat(s.AppCommandArgs);
        }

        private static List<KeyValuePair<string, string>> MergeEnvironment(JArray? baseEnv, IEnumerable<KeyValuePair<string, string>> ours)
        {
            var list = new List<KeyValuePair<string, string>>();
            if (baseEnv != null)
                foreach (var token in baseEnv)
                {
                    var s = (string?)token ?? "";
                    int eq = s.IndexOf('=');
                    list.Add(eq < 0 ? new KeyValuePair<string, string>(s, "") : new KeyValuePair<string, string>(s.Substring(0, eq), s.Substring(eq + 1)));
                }
            foreach (var kv in ours)
            {
                int at = list.FindIndex(e => e.Key == kv.Key);
                if (at >= 0) list[at] = kv; else list.Add(kv);
            }
            return list;
        }

        private static string? Lookup(List<KeyValuePair<string, string>> env, string key)
        {
            foreach (var kv in env) if (kv.Key == key) return kv.Value;
            return null;
        }

        private static IEnumerable<string> AspNetCorePorts(string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) yield break;
            foreach (var part in value!.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(part.Trim(), out var n) && n > 0 && n < 65536) yield return n + "/tcp";
        }

        private static JObject ChildObject(JObject parent, string key)
        {
            if (parent[key] is JObject existing) return existing;
            var created = new JObject();
            parent[key] = created;
            return created;
        }

        private static JArray ChildArray(JObject parent, string key)
        {
            if (parent[key] is JArray existing) return existing;
            var created = new JArray();
            parent[key] = created;
            return created;
        }

        private static void SetOrRemove(JObject o, string key, JToken? value)
        {
            if (value == null) o.Remove(key); else o[key] = value;
        }
    }
}
