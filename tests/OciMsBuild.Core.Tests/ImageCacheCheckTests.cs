using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Sources;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// The cache check over real records: a layer record and image.json as the build writes them,
    /// over blobs the engine stored; then the store loses or damages things between two checks.
    /// </summary>
    public class ImageCacheCheckTests : StoreFixture
    {
        private string _obj = null!;
        private string _layerRecord = null!;
        private string _imageRecord = null!;
        private string StateFile => Path.Combine(_obj, "cache-check.txt");
        private LayerRecord _layer = null!;
        private BuiltImage _image = null!;
        private Descriptor _baseLayer = null!;

        [SetUp]
        public void WriteRecords()
        {
            _obj = _temp.Combine("obj", "linux-x64");
            Directory.CreateDirectory(Path.Combine(_obj, "layers"));
            _layer = TestImages.PackLayer(_store, _temp, LayerKind.App, new Dictionary<string, string> { ["App.dll"] = "app bytes" });
            _layerRecord = Path.Combine(_obj, "layers", "4-app.layer.json");
            File.WriteAllText(_layerRecord, OciJson.ToText(_layer));

            // A local base: its layer lives in the store like ours (imported), not fetched on demand.
            _baseLayer = _store.Put(Encoding.ASCII.GetBytes("pretend this is a gzip base layer"), MediaTypes.OciLayerGzip);
            var baseImage = BaseImage.Scratch(TestImages.LinuxAmd64);
            baseImage.Layers.Add(_baseLayer);
            baseImage.Name = "oci-layout:///base:runtime";
            baseImage.ManifestDigest = "sha256:" + new string('e', 64);
            _image = ImageBuilder.Build(baseImage, new[] { _layer }, new ContainerSettings { AssemblyName = "App" }, ImageFormat.Oci,
                "linux-x64", TestImages.LinuxAmd64, TestImages.Epoch, _store);
            _imageRecord = Path.Combine(_obj, "image.json");
            File.WriteAllText(_imageRecord, OciJson.ToText(_image));
        }

        private ImageCacheCheck Check(out string? message)
        {
            var check = new ImageCacheCheck(_store, StateFile);
            check.CheckLayerRecord(_layerRecord);
            check.CheckImageRecord(_imageRecord);
            message = check.Finish();
            return check;
        }

        private void Damage(string digest)
        {
            var path = _store.PathOf(digest);
            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0x01;
            File.WriteAllBytes(path, bytes);
            // Coarse file-system clocks: make sure the change is visible in the mtime, as any later write is.
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        }

        [Test]
        public void Intact_records_are_kept_and_an_unchanged_store_is_not_hashed_again()
        {
            var first = Check(out var message);
            Assert.That(message, Is.Null);
            Assert.That(first.DeletedRecords, Is.Empty);
            Assert.That(first.BlobsChecked, Is.EqualTo(4), "layer, manifest, config, base layer (the layer once)");
            Assert.That(first.BlobsHashed, Is.EqualTo(4));
            Assert.That(File.Exists(_layerRecord) && File.Exists(_imageRecord), Is.True);

            var stateWritten = File.GetLastWriteTimeUtc(StateFile);
            var second = Check(out message);
            Assert.That(message, Is.Null);
            Assert.That(second.BlobsChecked, Is.EqualTo(4));
            Assert.That(second.BlobsHashed, Is.Zero, "verified (size, mtime) stamps: nothing hashed on a no-change build");
            Assert.That(second.RecordsParsed, Is.Zero, "unchanged records are not parsed again");
            Assert.That(File.GetLastWriteTimeUtc(StateFile), Is.EqualTo(stateWritten), "an unchanged state is not rewritten");
        }

        [Test]
        public void A_rewritten_record_is_parsed_again()
        {
            Check(out _);
            var other = TestImages.PackLayer(_store, _temp, LayerKind.App, new Dictionary<string, string> { ["App.dll"] = "other app bytes" });
            File.WriteAllText(_layerRecord, OciJson.ToText(other));
            File.SetLastWriteTimeUtc(_layerRecord, DateTime.UtcNow.AddSeconds(5));
            var check = Check(out var message);
            Assert.That(message, Is.Null);
            Assert.That(check.RecordsParsed, Is.EqualTo(1));
            Assert.That(check.BlobsHashed, Is.EqualTo(1), "the new layer's blob");

            File.Delete(_store.PathOf(other.Digest));
            Check(out message);
            Assert.That(message, Does.Contain("layer app " + other.Digest.Substring(0, 19) + " missing"), "the state names the blobs of the record as it is now");
        }

        [Test]
        public void A_whole_store_deleted_invalidates_every_record_in_one_line()
        {
            Check(out _);
            Directory.Delete(_store.Root, true);
            var check = Check(out var message);
            Assert.That(check.DeletedRecords, Is.EquivalentTo(new[] { _layerRecord, _imageRecord }));
            Assert.That(File.Exists(_layerRecord) || File.Exists(_imageRecord), Is.False);
            Assert.That(message, Does.StartWith("OciMsBuild: rebuilding what the cache lost (blob store " + _store.Root + "):"));
            Assert.That(message, Does.Contain("layer app " + _layer.Digest.Substring(0, 19) + " missing from the blob store → packed again"));
            Assert.That(message, Does.Contain("image linux-x64: manifest").And.Contain("base layer " + _baseLayer.Digest.Substring(0, 19)).And.Contain("→ image built again"));
            Assert.That(message, Does.Not.Contain("\n"), "one line");
        }

        [Test]
        public void A_damaged_layer_blob_of_the_same_size_is_removed_with_its_records()
        {
            Check(out _);
            Damage(_layer.Digest);
            var check = Check(out var message);
            Assert.That(check.BlobsHashed, Is.EqualTo(1), "only the changed blob is hashed");
            Assert.That(_store.Contains(_layer.Digest), Is.False, "a damaged blob is removed: the store never overwrites an existing blob");
            Assert.That(check.DeletedRecords, Is.EquivalentTo(new[] { _layerRecord, _imageRecord }));
            Assert.That(message, Does.Contain("layer app " + _layer.Digest.Substring(0, 19) + " damaged (removed) → packed again"));
            Assert.That(_store.Contains(_image.Config.Digest) && _store.Contains(_image.Manifest.Digest), Is.True, "intact blobs stay");
        }

        [Test]
        public void A_blob_of_the_wrong_size_is_damaged_without_hashing()
        {
            Check(out _);
            File.AppendAllText(_store.PathOf(_image.Config.Digest), " ");
            var check = Check(out var message);
            Assert.That(check.BlobsHashed, Is.Zero);
            Assert.That(check.DeletedRecords, Is.EqualTo(new[] { _imageRecord }), "the layer record is still good");
            Assert.That(message, Does.Contain("config " + _image.Config.Digest.Substring(0, 19) + " damaged (removed)"));
        }

        [Test]
        public void A_missing_local_base_layer_rebuilds_the_image_which_re_imports_the_base()
        {
            File.Delete(_store.PathOf(_baseLayer.Digest));
            var check = Check(out var message);
            Assert.That(check.DeletedRecords, Is.EqualTo(new[] { _imageRecord }));
            Assert.That(message, Does.Contain("base layer " + _baseLayer.Digest.Substring(0, 19) + " missing from the blob store"));
        }

        [Test]
        public void A_registry_base_layer_may_be_absent_but_a_damaged_one_is_removed()
        {
            _image.BaseSource = "registry.example/base";
            File.WriteAllText(_imageRecord, OciJson.ToText(_image));
            File.Delete(_store.PathOf(_baseLayer.Digest));
            var check = Check(out var message);
            Assert.That(message, Is.Null, "registry base layers are fetched when an output needs them");
            Assert.That(check.DeletedRecords, Is.Empty);

            _store.Put(Encoding.ASCII.GetBytes("pretend this is a gzip base layer"), MediaTypes.OciLayerGzip);
            Damage(_baseLayer.Digest);
            check = Check(out message);
            Assert.That(check.DeletedRecords, Is.Empty);
            Assert.That(_store.Contains(_baseLayer.Digest), Is.False);
            Assert.That(message, Does.Contain("base layer " + _baseLayer.Digest.Substring(0, 19) + " of registry.example/base was damaged (removed) → downloaded again when an output needs it"));
        }

        [TestCase("")]
        [TestCase("{\"runtimeIdentifier\":\"linux-x64\",\"manifest\":{\"dig")]
        [TestCase("{}")]
        [TestCase("[1,2]")]
        [TestCase("{\"format\":\"OCI\",\"root\":null,\"images\":[]}")]
        [TestCase("{\"runtimeIdentifier\":\"linux-x64\",\"manifest\":null,\"config\":null,\"layers\":[]}")]
        [TestCase("{\"runtimeIdentifier\":\"linux-x64\",\"manifest\":{\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"},\"config\":{\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"},\"layers\":[{\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"}],\"layerKinds\":[]}")]
        public void An_unreadable_image_record_is_deleted(string content)
        {
            File.WriteAllText(_imageRecord, content);
            var check = Check(out var message);
            Assert.That(check.DeletedRecords, Is.EqualTo(new[] { _imageRecord }));
            Assert.That(message, Does.Contain("image record image.json is unreadable → the image is built again"));
        }

        [Test]
        public void An_unreadable_layer_record_is_deleted()
        {
            File.WriteAllText(_layerRecord, "{\"kind\":\"app\",\"digest\":\"sha256:12");
            var check = Check(out var message);
            Assert.That(check.DeletedRecords, Is.EqualTo(new[] { _layerRecord }));
            Assert.That(message, Does.Contain("layer record 4-app.layer.json is unreadable → the layer is packed again"));
        }

        [Test]
        public void A_deleted_record_is_reported_only_when_the_last_check_had_seen_it()
        {
            File.Delete(_layerRecord);
            Check(out var cold);
            Assert.That(cold, Is.Null, "a record that never existed (a first build) is not news");

            File.WriteAllText(_layerRecord, OciJson.ToText(_layer));
            Check(out _);
            File.Delete(_imageRecord);
            Check(out var message);
            Assert.That(message, Does.Contain("image record image.json was deleted → the image is built again"));
        }

        [Test]
        public void A_damaged_index_blob_invalidates_the_index_record()
        {
            var set = IndexBuilder.Build(new[] { _image }, ImageFormat.Oci, null, _store);
            var indexRecord = _temp.Combine("obj", "image-index.json");
            File.WriteAllText(indexRecord, OciJson.ToText(set));
            var state = _temp.Combine("obj", "cache-check.txt");
            var check = new ImageCacheCheck(_store, state);
            check.CheckImageRecord(indexRecord);
            Assert.That(check.Finish(), Is.Null);

            Damage(set.Root.Digest);
            check = new ImageCacheCheck(_store, state);
            check.CheckImageRecord(indexRecord);
            Assert.That(check.Finish(), Does.Contain("image index: index " + set.Root.Digest.Substring(0, 19) + " damaged (removed) → index built again"));
            Assert.That(File.Exists(indexRecord), Is.False);
            Assert.That(_store.Contains(set.Root.Digest), Is.False);

            var rebuilt = IndexBuilder.Build(new[] { _image }, ImageFormat.Oci, null, _store);
            Assert.That(rebuilt.Root.Digest, Is.EqualTo(set.Root.Digest));
            Assert.That(_store.ReadVerified(set.Root.Digest), Is.Not.Empty, "rebuilt from the inputs, byte-identical");
        }

        [Test]
        public void Stamps_of_another_store_are_not_trusted()
        {
            Check(out _);
            var other = new BlobStore(_temp.Combine("other-store"));
            foreach (var digest in new[] { _layer.Digest, _image.Manifest.Digest, _image.Config.Digest, _baseLayer.Digest })
            {
                Directory.CreateDirectory(other.BlobDirectory);
                File.Copy(_store.PathOf(digest), other.PathOf(digest));
                File.SetLastWriteTimeUtc(other.PathOf(digest), File.GetLastWriteTimeUtc(_store.PathOf(digest)));
            }
            var check = new ImageCacheCheck(other, StateFile);
            check.CheckLayerRecord(_layerRecord);
            check.CheckImageRecord(_imageRecord);
            Assert.That(check.Finish(), Is.Null);
            Assert.That(check.BlobsHashed, Is.EqualTo(4));
        }

        [Test]
        public void A_damaged_state_file_only_costs_a_hash()
        {
            File.WriteAllText(StateFile, "{not json");
            var check = Check(out var message);
            Assert.That(message, Is.Null);
            Assert.That(check.BlobsHashed, Is.EqualTo(4));
            Assert.That(Check(out _).BlobsHashed, Is.Zero, "rewritten whole");
        }

        [Test]
        public void A_repacked_layer_has_the_same_digest_as_the_lost_one()
        {
            // What the build does after the check deleted the record: pack again from the same plan inputs.
            File.Delete(_store.PathOf(_layer.Digest));
            var again = TestImages.PackLayer(_store, _temp, LayerKind.App, new Dictionary<string, string> { ["App.dll"] = "app bytes" });
            Assert.That(again.Digest, Is.EqualTo(_layer.Digest));
            Assert.That(_store.Contains(_layer.Digest), Is.True);
        }
    }
}
