using System;
using System.Collections.Generic;
using System.Linq;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Core.Build
{
    /// <summary>Base + packed layers + settings → config and manifest blobs in the store.</summary>
    public static class ImageBuilder
    {
        public static BuiltImage Build(BaseImage baseImage, IReadOnlyList<LayerRecord> layers, ContainerSettings settings,
            ImageFormat format, string runtimeIdentifier, Platform platform, DateTimeOffset created, BlobStore store)
        {
            var config = ConfigMerger.Merge(baseImage.Config, settings, layers, created);
            var configDescriptor = store.Put(OciJson.ToBytes(config), format.ConfigType());

            var layerDescriptors = baseImage.Layers
                .Select(l => new Descriptor { MediaType = format.ConvertLayerType(l.MediaType), Digest = l.Digest, Size = l.Size })
                .Concat(layers.Select(l => new Descriptor { MediaType = format.ConvertLayerType(string.IsNullOrEmpty(l.MediaType) ? MediaTypes.OciLayerGzip : l.MediaType), Digest = l.Digest, Size = l.Size }))
                .ToList();

            var manifest = new ImageManifest
            {
                MediaType = format.ManifestType(),
                Config = configDescriptor,
                Layers = layerDescriptors,
            };
            // Docker schema 2 has no annotations. OCI: the org.opencontainers.image.* labels the build
            // set, and where the image came from. A local base's name is a path on this machine:
            // leaving it out keeps the digest portable.
            if (format == ImageFormat.Oci)
            {
                var annotations = SupplyChain.BuildLabels.Annotations(settings.Labels);
                // The manifest always names its base (a ContainerLabel of the same name wins), even
                // with ContainerGenerateLabels=false, which is about labels.
                if (baseImage.ManifestDigest != null && !annotations.ContainsKey(AnnotationKeys.BaseDigest))
                    annotations[AnnotationKeys.BaseDigest] = baseImage.ManifestDigest;
                if (baseImage.ManifestDigest != null && baseImage.RegistryName != null && !annotations.ContainsKey(AnnotationKeys.BaseName))
                    annotations[AnnotationKeys.BaseName] = baseImage.RegistryName;
                if (annotations.Count > 0) manifest.Annotations = annotations;
            }
            var manifestDescriptor = store.Put(OciJson.ToBytes(manifest), manifest.MediaType);
            manifestDescriptor.Platform = Complete(LayoutImageReader.PlatformOf(config), platform);

            return new BuiltImage
            {
                RuntimeIdentifier = runtimeIdentifier,
                Platform = manifestDescriptor.Platform,
                Format = format == ImageFormat.Docker ? "Docker" : "OCI",
                Manifest = manifestDescriptor,
                Config = configDescriptor,
                Layers = layerDescriptors,
                LayerKinds = baseImage.Layers.Select(_ => "base").Concat(layers.Select(l => l.Kind)).ToList(),
                BaseName = baseImage.Name,
                BaseDigest = baseImage.ManifestDigest,
                BaseSource = baseImage.SourceRepository,
            };
        }

        /// <summary>The config's platform, with the RID's variant when the config names none (an arm64 base without "variant" is v8).</summary>
        internal static Platform Complete(Platform? fromConfig, Platform fromRid)
        {
            if (fromConfig == null) return fromRid;
            if (!string.IsNullOrEmpty(fromConfig.Variant) || fromRid.Variant == null || fromRid.Architecture != fromConfig.Architecture) return fromConfig;
            return new Platform(fromConfig.Os, fromConfig.Architecture, fromRid.Variant);
        }
    }
}
