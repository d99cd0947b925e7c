using NUnit.Framework;
using OciMsBuild.Core.Cache;

namespace OciMsBuild.Core.Tests.Support
{
    /// <summary>A fresh temp folder and blob store per test, removed afterwards.</summary>
    public abstract class StoreFixture
    {
        protected TempDir _temp = null!;
        protected BlobStore _store = null!;

        [SetUp]
        public void CreateStore()
        {
            _temp = new TempDir();
            _store = new BlobStore(_temp.Combine("store"));
        }

        [TearDown] public void RemoveStore() => _temp.Dispose();
    }
}
