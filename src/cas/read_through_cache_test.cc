#include "cas/read_through_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fcntl.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "cas/memory_blob_store.h"
#include "common/file_util.h"
#include "common/hasher.h"
#include "testing/eventually.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

// Flips the first byte a reader returns, to play a remote store serving bad data.
class CorruptingReader final : public BlobReader {
 public:
  explicit CorruptingReader(std::unique_ptr<BlobReader> base) : base_(std::move(base)) {}
  StatusOr<size_t> Read(char* buffer, size_t max) override {
    auto n = base_->Read(buffer, max);
    if (n.ok() && *n > 0 && first_) buffer[0] ^= 1;
    if (n.ok() && *n > 0) first_ = false;
    return n;
  }

 private:
  std::unique_ptr<BlobReader> base_;
  bool first_ = true;
};

// The "remote" store: memory, with a count of the reads that reach it.
class CountingRemote final : public BlobStore {
 public:
  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override { return base_.FindMissing(digests); }
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override {
    ++reads;
    auto reader = base_.OpenRead(digest, offset);
    if (!reader.ok() || !corrupt) return reader;
    return std::unique_ptr<BlobReader>(std::make_unique<CorruptingReader>(std::move(reader).value()));
  }
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override { return base_.OpenWrite(digest); }

  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override {
    if (unreachable) return Status::Unavailable("the remote store is down");
    return base_.FindMissing(digests);
  }

  std::atomic<int> reads{0};
  bool corrupt = false;
  bool unreachable = false;  // FindMissingOrError fails, as a remote store's would.

 private:
  MemoryBlobStore base_;
};

class ReadThroughCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(int64_t{1} << 30); }

  void Open(int64_t max_bytes) {
    cache_.reset();
    DiskBlobStoreOptions options;
    options.root = dir_.path() + "/local";
    options.max_bytes = max_bytes;
    options.grace_period = std::chrono::minutes(1);
    auto local = DiskBlobStore::Open(options, &clock_);
    ASSERT_TRUE(local.ok()) << local.status().ToString();
    local_ = local->get();
    cache_ = std::make_unique<ReadThroughCache>(std::move(local).value(), &remote_);
  }

  Digest PutRemote(const std::string& data) {
    Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    EXPECT_TRUE(WriteBlob(remote_, digest, data).ok());
    return digest;
  }

  TempDir dir_;
  FakeClock clock_;
  CountingRemote remote_;
  DiskBlobStore* local_ = nullptr;
  std::unique_ptr<ReadThroughCache> cache_;
};

TEST_F(ReadThroughCacheTest, FetchesOnceThenServesLocally) {
  Digest digest = PutRemote("input file");
  EXPECT_EQ(*ReadBlob(*cache_, digest), "input file");
  EXPECT_EQ(*ReadBlob(*cache_, digest), "input file");
  EXPECT_EQ(remote_.reads, 1);
  auto reader = cache_->OpenRead(digest, 6);
  char buffer[16];
  EXPECT_EQ(std::string(buffer, *(*reader)->Read(buffer, sizeof(buffer))), "file");
  EXPECT_EQ(remote_.reads, 1);
  EXPECT_EQ(cache_->OpenRead(digest, 11).status().code(), StatusCode::kOutOfRange);
}

TEST_F(ReadThroughCacheTest, EnsureLocalLeavesAFileToHardlink) {
  std::string data(3 * 1024 * 1024 + 7, 'x');  // Several copy chunks.
  Digest digest = PutRemote(data);
  ASSERT_TRUE(cache_->EnsureLocal(digest).ok());
  ASSERT_TRUE(std::filesystem::exists(cache_->LocalPath(digest)));
  EXPECT_EQ(std::filesystem::file_size(cache_->LocalPath(digest)), data.size());
  ASSERT_TRUE(cache_->EnsureLocal(digest).ok());
  EXPECT_EQ(remote_.reads, 1);
  EXPECT_TRUE(cache_->EnsureLocal(Digest::Empty(DigestFunction::kSha256)).ok());
}

TEST_F(ReadThroughCacheTest, MissingEverywhereIsNotFound) {
  Digest digest = ComputeDigest(DigestFunction::kSha256, "nowhere");
  EXPECT_EQ(cache_->EnsureLocal(digest).code(), StatusCode::kNotFound);
  EXPECT_EQ(cache_->OpenRead(digest, 0).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(cache_->LocalPath(digest)));
}

TEST_F(ReadThroughCacheTest, BadRemoteDataIsDataLossAndNotCached) {
  Digest digest = PutRemote("to be corrupted");
  remote_.corrupt = true;
  EXPECT_EQ(cache_->EnsureLocal(digest).code(), StatusCode::kDataLoss);
  EXPECT_FALSE(std::filesystem::exists(cache_->LocalPath(digest)));
  remote_.corrupt = false;
  EXPECT_EQ(*ReadBlob(*cache_, digest), "to be corrupted");
}

TEST_F(ReadThroughCacheTest, WritesLandInTheRemoteStoreOnly) {
  Digest digest = ComputeDigest(DigestFunction::kSha256, "output");
  EXPECT_EQ(cache_->FindMissing({digest}).size(), 1u);
  ASSERT_TRUE(WriteBlob(*cache_, digest, "output").ok());
  EXPECT_TRUE(ContainsBlob(remote_, digest));
  EXPECT_TRUE(cache_->FindMissing({digest}).empty());
  EXPECT_FALSE(std::filesystem::exists(cache_->LocalPath(digest)));
  EXPECT_EQ(local_->blob_count(), 0u);
}

TEST_F(ReadThroughCacheTest, FindMissingAsksTheRemoteStore) {
  Digest present = PutRemote("present");
  Digest absent = ComputeDigest(DigestFunction::kSha256, "absent");
  std::vector<Digest> missing = cache_->FindMissing({present, absent});
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0], absent);
}

TEST_F(ReadThroughCacheTest, FindMissingOrErrorPassesTheRemoteErrorOn) {
  Digest present = PutRemote("present");
  EXPECT_TRUE(cache_->FindMissingOrError({present})->empty());
  remote_.unreachable = true;
  EXPECT_EQ(cache_->FindMissingOrError({present}).status().code(), StatusCode::kUnavailable);
}

TEST_F(ReadThroughCacheTest, VerifiedPathForFetchesFirst) {
  Digest digest = PutRemote("to hardlink");
  const std::string path = cache_->VerifiedPathFor(digest);
  ASSERT_FALSE(path.empty());
  EXPECT_EQ(path, cache_->LocalPath(digest));
  EXPECT_EQ(remote_.reads, 1);
  EXPECT_TRUE(cache_->VerifiedPathFor(ComputeDigest(DigestFunction::kSha256, "nowhere")).empty());
}

TEST_F(ReadThroughCacheTest, AdoptedFilesAreKeptLocallyAndUploaded) {
  const std::string outputs = dir_.path() + "/outputs";
  std::filesystem::create_directories(outputs);
  std::ofstream(outputs + "/out") << "an output";
  UniqueFd dir_fd(::open(outputs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  UniqueFd fd(::openat(dir_fd.get(), "out", O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  auto adopted = cache_->AdoptFile(dir_fd.get(), "out", fd.get(), DigestFunction::kSha256);
  ASSERT_TRUE(adopted.ok()) << adopted.status().ToString();
  ASSERT_TRUE(adopted->has_value());
  const Digest digest = **adopted;
  EXPECT_EQ(digest, ComputeDigest(DigestFunction::kSha256, "an output"));
  EXPECT_FALSE(std::filesystem::exists(outputs + "/out"));  // Moved, not copied.
  EXPECT_EQ(*ReadBlob(remote_, digest), "an output");
  EXPECT_EQ(*ReadBlob(*cache_, digest), "an output");
  EXPECT_EQ(remote_.reads, 1);  // The check above; the cache served its own copy.
}

TEST_F(ReadThroughCacheTest, AnAdoptedFileTheRemoteCannotTakeIsAnError) {
  const std::string outputs = dir_.path() + "/outputs";
  std::filesystem::create_directories(outputs);
  std::ofstream(outputs + "/out") << "unsent";
  UniqueFd dir_fd(::open(outputs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  UniqueFd fd(::openat(dir_fd.get(), "out", O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  remote_.unreachable = true;
  auto adopted = cache_->AdoptFile(dir_fd.get(), "out", fd.get(), DigestFunction::kSha256);
  EXPECT_EQ(adopted.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(ContainsBlob(remote_, ComputeDigest(DigestFunction::kSha256, "unsent")));
}

TEST_F(ReadThroughCacheTest, EvictsWithinTheLocalBudget) {
  Open(2500);
  std::vector<Digest> digests;
  for (char c : {'a', 'b', 'c', 'd'}) {
    digests.push_back(PutRemote(std::string(1000, c)));
    ASSERT_TRUE(cache_->EnsureLocal(digests.back()).ok());
    clock_.Advance(std::chrono::minutes(2));  // Past the pin of the last EnsureLocal.
  }
  EXPECT_LE(local_->total_bytes(), 2500);
  EXPECT_TRUE(Eventually([&] { return !std::filesystem::exists(cache_->LocalPath(digests[0])); }));
  EXPECT_TRUE(std::filesystem::exists(cache_->LocalPath(digests[3])));
  // An evicted blob is simply fetched again.
  EXPECT_EQ(*ReadBlob(*cache_, digests[0]), std::string(1000, 'a'));
  EXPECT_EQ(remote_.reads, 5);
}

TEST_F(ReadThroughCacheTest, PinnedBlobsAreNotEvictedForANewFetch) {
  Open(2500);
  Digest a = PutRemote(std::string(1000, 'a'));
  Digest b = PutRemote(std::string(1000, 'b'));
  Digest c = PutRemote(std::string(1000, 'c'));
  ASSERT_TRUE(cache_->EnsureLocal(a).ok());
  ASSERT_TRUE(cache_->EnsureLocal(b).ok());
  // a and b may be being hardlinked: c does not fit until their pins expire.
  EXPECT_EQ(cache_->EnsureLocal(c).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(std::filesystem::exists(cache_->LocalPath(a)));
  EXPECT_TRUE(std::filesystem::exists(cache_->LocalPath(b)));
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_TRUE(cache_->EnsureLocal(c).ok());
}

TEST_F(ReadThroughCacheTest, ConcurrentEnsureLocalFetchesOnce) {
  std::string data(2 * 1024 * 1024, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 253);
  Digest digest = PutRemote(data);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (cache_->EnsureLocal(digest).ok()) ++ok;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(remote_.reads, 1);
  EXPECT_EQ(*ReadBlob(*cache_, digest), data);
}

TEST_F(ReadThroughCacheTest, ReadBlobsFetchesWhatItLacksOnceAndKeepsIt) {
  const Digest local_one = PutRemote("already here");
  ASSERT_TRUE(cache_->EnsureLocal(local_one).ok());
  const Digest a = PutRemote("fetched a"), b = PutRemote("fetched b");
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "nowhere");
  const int before = remote_.reads;
  std::vector<StatusOr<std::string>> blobs = cache_->ReadBlobs({local_one, a, absent, b});
  ASSERT_EQ(blobs.size(), 4u);
  EXPECT_EQ(blobs[0].value(), "already here");
  EXPECT_EQ(blobs[1].value(), "fetched a");
  EXPECT_EQ(blobs[2].status().code(), StatusCode::kNotFound);
  EXPECT_EQ(blobs[3].value(), "fetched b");
  EXPECT_EQ(remote_.reads - before, 3);  // Not the local one.
  EXPECT_TRUE(local_->FindMissing({a, b}).empty());
  // Now all local: the remote store is not asked again.
  blobs = cache_->ReadBlobs({a, b});
  EXPECT_EQ(blobs[1].value(), "fetched b");
  EXPECT_EQ(remote_.reads - before, 3);
}

TEST_F(ReadThroughCacheTest, ReadBlobsRefusesBytesThatDoNotMatchTheDigest) {
  const Digest digest = PutRemote("to be corrupted");
  remote_.corrupt = true;
  std::vector<StatusOr<std::string>> blobs = cache_->ReadBlobs({digest});
  EXPECT_EQ(blobs[0].status().code(), StatusCode::kDataLoss) << blobs[0].status().ToString();
  EXPECT_EQ(local_->FindMissing({digest}).size(), 1u);
}

}  // namespace
}  // namespace kiln
