using System.Collections.Generic;
using System.IO;
using System.Linq;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// Every path a build writes, checked before anything is built or pushed: none may land on
    /// what the build reads (base layout or archive, publish folder, project folder, blob store,
    /// our own obj/container records) or on another output, and none may replace a file or
    /// folder OciMsBuild did not write (<see cref="OutputOwnership"/>).
    /// </summary>
    public sealed class OutputPathCheck
    {
        /// <summary>A path the build reads from.</summary>
        private sealed class Input
        {
            public Input(string what, string path, bool readWhole) { What = what; Path = PathComparison.Canonical(path); ReadWhole = readWhole; }
            public string What { get; }
            public string Path { get; }
            /// <summary>A folder whose every file is read (publish folder, base layout, blob store): nothing may be written inside it.</summary>
            public bool ReadWhole { get; }
        }

        /// <summary>A path the build writes: a folder it replaces whole, or a file.</summary>
        private sealed class Output
        {
            public Output(string property, string path, bool isFolder)
            {
                Property = property; Given = PathComparison.Normalize(path); Path = PathComparison.Canonical(path); IsFolder = isFolder;
            }
            public string Property { get; }
            /// <summary>As the user wrote it (made absolute): what ownership is checked on, links included.</summary>
            public string Given { get; }
            /// <summary>Links resolved: what overlaps are checked on.</summary>
            public string Path { get; }
            public bool IsFolder { get; }
        }

        private readonly List<Input> _inputs = new List<Input>();
        private readonly List<Output> _outputs = new List<Output>();
        private string? _workDirectory;
        private string? _blobStore;

        public OutputPathCheck ProjectDirectory(string? path) => AddInput("the project folder", path, readWhole: false);
        public OutputPathCheck PublishDirectory(string? path) => AddInput("the publish folder", path, readWhole: true);
        /// <summary>Read whole, and written too: it must not lie inside another input read whole either.</summary>
        public OutputPathCheck BlobStore(string? path)
        {
            if (!string.IsNullOrWhiteSpace(path)) _blobStore = PathComparison.Canonical(path!);
            return AddInput("the blob store (ContainerBlobCachePath)", path, readWhole: true);
        }

        /// <summary>obj/container: our records. Outputs may live inside it (the default layout does), never over it.</summary>
        public OutputPathCheck WorkDirectory(string? path)
        {
            if (string.IsNullOrWhiteSpace(path)) return this;
            _workDirectory = PathComparison.Canonical(path!);
            return AddInput("OciMsBuild's work folder in obj/", path, readWhole: false);
        }

        /// <summary>An oci-layout:// folder, or an oci-archive:// / docker-archive:// file.</summary>
        public OutputPathCheck BaseImage(string? path, bool isFolder) =>
            AddInput(isFolder ? "the base image layout (ContainerBaseImage)" : "the base image archive (ContainerBaseImage)", path, readWhole: isFolder);

        public OutputPathCheck Layout(string? path) => AddOutput("ContainerLayoutOutputPath", path, isFolder: true);
        public OutputPathCheck Archive(string? path) => AddOutput("ContainerArchiveOutputPath", path, isFolder: false);
        public OutputPathCheck Summary(string? path) => AddOutput("ContainerSummaryOutputPath", path, isFolder: false);

        public void Run()
        {
            foreach (var input in _inputs)
            {
                if (_blobStore == null || !input.ReadWhole || PathComparison.Same(input.Path, _blobStore)) continue;
                if (PathComparison.IsSameOrInside(_blobStore, input.Path))
                    throw new OciException(ErrorCodes.OutputOverlapsInput,
                        $"ContainerBlobCachePath '{_blobStore}' lies inside {input.What} '{input.Path}', which the build reads whole: the store's blobs would change it. Choose a folder outside it, or leave ContainerBlobCachePath unset for the shared per-user cache.");
            }
            foreach (var output in _outputs)
            {
                foreach (var input in _inputs)
                {
                    // Replacing a folder destroys what is below it; a file written inside a folder read whole changes that input.
                    bool destroysInput = output.IsFolder ? PathComparison.IsSameOrInside(input.Path, output.Path) : PathComparison.Same(input.Path, output.Path);
                    bool changesInput = input.ReadWhole && PathComparison.IsSameOrInside(output.Path, input.Path);
                    if (destroysInput || changesInput)
                        throw Overlap(output, $"{input.What} '{input.Path}'", destroysInput ? (output.IsFolder && !PathComparison.Same(input.Path, output.Path) ? "contains" : "is") : "lies inside");
                }
                foreach (var other in _outputs)
                {
                    if (ReferenceEquals(other, output)) continue;
                    bool clash = other.IsFolder ? PathComparison.IsSameOrInside(output.Path, other.Path) : PathComparison.Same(output.Path, other.Path);
                    if (clash) throw OutputsClash(output, other);
                }
            }
            foreach (var output in _outputs)
            {
                if (output.IsFolder) OutputOwnership.CheckLayoutDirectory(output.Given, output.Property, _workDirectory);
                else if (output.Property == "ContainerArchiveOutputPath") OutputOwnership.CheckArchiveFile(output.Given, output.Property);
                else OutputOwnership.CheckSummaryFile(output.Given, output.Property);
            }
        }

        private OutputPathCheck AddInput(string what, string? path, bool readWhole)
        {
            if (!string.IsNullOrWhiteSpace(path)) _inputs.Add(new Input(what, path!, readWhole));
            return this;
        }

        private OutputPathCheck AddOutput(string property, string? path, bool isFolder)
        {
            if (!string.IsNullOrWhiteSpace(path)) _outputs.Add(new Output(property, path!, isFolder));
            return this;
        }

        private static OciException OutputsClash(Output output, Output other)
        {
            var where = other.IsFolder ? "lies inside the folder" : "is the same file as";
            var code = output.Property == "ContainerArchiveOutputPath" ? ErrorCodes.InvalidArchivePath : ErrorCodes.OutputOverlapsInput;
            return new OciException(code,
                $"{output.Property} '{output.Path}' {where} {other.Property} '{other.Path}': one output would overwrite the other. Give each output its own path, e.g. 'artifacts/image' for the layout, 'artifacts/image.tar' for the tarball and 'artifacts/image.json' for the summary.");
        }

        private static OciException Overlap(Output output, string input, string relation)
        {
            var kind = output.IsFolder ? "folder" : "file";
            string advice = output.IsFolder ? "Choose a new folder outside every input, e.g. 'artifacts/image'." : "Choose a file outside every input, e.g. 'artifacts/image.tar'.";
            // Which way round the relation reads depends on who contains whom.
            var sentence = relation == "contains"
                ? $"{output.Property} '{output.Path}' contains {input}: replacing that {kind} would delete an input of the build."
                : relation == "is"
                    ? $"{output.Property} '{output.Path}' is {input}: the build reads it, so it must not be written."
                    : $"{output.Property} '{output.Path}' lies inside {input}, which the build reads: writing there would change or delete it.";
            return new OciException(ErrorCodes.OutputOverlapsInput, sentence + " " + advice);
        }
    }
}
