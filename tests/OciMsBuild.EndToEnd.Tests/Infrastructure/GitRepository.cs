using System.IO;

namespace OciMsBuild.EndToEnd.Tests.Infrastructure
{
    /// <summary>A real git repository of a test project's folder, and clones of it elsewhere.</summary>
    public static class GitRepository
    {
        private static readonly string[] Identity = { "-c", "user.name=OciMsBuild tests", "-c", "user.email=tests@ocimsbuild.invalid", "-c", "init.defaultBranch=main" };

        /// <summary>git init + commit of everything under <paramref name="root"/> except bin/ and obj/.</summary>
        public static void InitAndCommit(string root)
        {
            File.WriteAllText(Path.Combine(root, ".gitignore"), "bin/\nobj/\nout/\n");
            Git(root, "init", "-q");
            Git(root, "add", "-A");
            Git(root, "commit", "-q", "-m", "sample");
        }

        /// <summary>Clones <paramref name="source"/> into <paramref name="destination"/> (a new folder).</summary>
        public static void Clone(string source, string destination)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            Git(Path.GetDirectoryName(destination)!, "clone", "-q", source, destination);
        }

        /// <summary>Commits the sample and clones it twice: one shallow path, one three folders deeper.</summary>
        public static (TestProject One, TestProject Two) TwoClones(TestProject sample)
        {
            InitAndCommit(sample.Root);
            var one = Path.Combine(TestProject.NewRoot(), "clone");
            var two = Path.Combine(TestProject.NewRoot(), "some", "deeper", "clone");
            Clone(sample.Root, one);
            Clone(sample.Root, two);
            return (sample.MovedTo(one), sample.MovedTo(two));
        }

        private static void Git(string workingDirectory, params string[] args)
        {
            var all = new string[Identity.Length + args.Length];
            Identity.CopyTo(all, 0);
            args.CopyTo(all, Identity.Length);
            ProcessRunner.Run("git", all, workingDirectory).AssertSuccess("git " + string.Join(" ", args));
        }
    }
}
