// Disk-specific behaviour: atomic publish, restart, temp cleanup, eviction with grace.
#include "cas/disk_blob_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/hasher.h"
#include "testing/eventually.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<DiskBlobStore> OpenStore(const std::string& root, int64_t max_bytes = int64_t{1} << 30,
                                         const Clock* clock = SystemClock::Get()) {
  DiskBlobStoreOptions options;
  options.root = root;
  options.max_bytes = max_bytes;
  options.grace_period = std::chrono::minutes(10);
  auto store = DiskBlobStore::Open(options, clock);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

size_t FilesIn(const std::string& dir) {
  size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) count += entry.is_regular_file();
  return count;
}

// Evicted blobs leave the index at once, their files soon after (on the evictions thread).
bool EventuallyGone(const std::string& path) {
  return Eventually([&] { return !fs::exists(path); });
}

TEST(DiskBlobStoreTest, BlobIsInvisibleUntilCommitAndStoredUnderItsHash) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Digest digest = ComputeDigest(DigestFunction::kSha256, "payload");
  auto writer = store->OpenWrite(digest);
  ASSERT_TRUE((*writer)->Write("payload").ok());
  EXPECT_FALSE(fs::exists(store->PathFor(digest)));
  EXPECT_FALSE(ContainsBlob(*store, digest));
  EXPECT_EQ(FilesIn(dir.path() + "/cas"), 1u) << "the upload's temp file, beside the blob's place";
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_TRUE(fs::exists(store->PathFor(digest)));
  EXPECT_EQ(FilesIn(dir.path() + "/tmp"), 0u);
  EXPECT_EQ(FilesIn(dir.path() + "/cas"), 1u) << "only the blob";
  EXPECT_NE(store->PathFor(digest).find("/cas/sha256/" + digest.hash().substr(0, 2) + "/" + digest.hash()),
            std::string::npos);
}

TEST(DiskBlobStoreTest, RestartReusesBlobsAndDropsTempFiles) {
  TempDir dir;
  Digest digest = ComputeDigest(DigestFunction::kSha512, "persisted");
  {
    auto store = OpenStore(dir.path());
    ASSERT_TRUE(WriteBlob(*store, digest, "persisted").ok());
    // Uploads in flight when the process dies leave temp files behind: beside their blob's
    // place, or in tmp/ for files being moved in.
    std::ofstream(fs::path(store->PathFor(digest)).parent_path() / ".tmp-999-1") << "partial";
    std::ofstream(dir.path() + "/tmp/stale-from-a-crash") << "partial";
    EXPECT_EQ(FilesIn(dir.path() + "/tmp"), 1u);
    EXPECT_EQ(FilesIn(dir.path() + "/cas"), 2u);
  }
  auto reopened = OpenStore(dir.path());
  EXPECT_EQ(reopened->blob_count(), 1u);
  EXPECT_EQ(*ReadBlob(*reopened, digest), "persisted");
  EXPECT_EQ(FilesIn(dir.path() + "/tmp"), 0u);
  EXPECT_EQ(FilesIn(dir.path() + "/cas"), 1u);
}

TEST(DiskBlobStoreTest, RestartIgnoresForeignFilesAndEnforcesTheBudget) {
  TempDir dir;
  std::vector<Digest> digests;
  {
    auto store = OpenStore(dir.path());
    for (int i = 0; i < 4; ++i) {
      std::string data(1000, static_cast<char>('a' + i));
      digests.push_back(ComputeDigest(DigestFunction::kSha256, data));
      ASSERT_TRUE(WriteBlob(*store, digests.back(), data).ok());
    }
  }
  fs::create_directories(dir.path() + "/cas/sha256/zz");
  std::ofstream(dir.path() + "/cas/sha256/zz/not-a-hash") << "junk";
  auto reopened = OpenStore(dir.path(), /*max_bytes=*/2500);
  EXPECT_EQ(reopened->blob_count(), 2u);
  EXPECT_LE(reopened->total_bytes(), 2500);
}

TEST(DiskBlobStoreTest, EvictsLeastRecentlyUsedBeyondBudgetButHonoursGrace) {
  TempDir dir;
  FakeClock clock;
  auto store = OpenStore(dir.path(), /*max_bytes=*/3000, &clock);
  auto put = [&](char c) {
    std::string data(1000, c);
    Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    EXPECT_TRUE(WriteBlob(*store, digest, data).ok());
    return digest;
  };
  Digest a = put('a');
  Digest b = put('b');
  Digest c = put('c');
  // FindMissing reports `a` present: it must now survive for the grace period.
  EXPECT_TRUE(store->FindMissing({a}).empty());
  clock.Advance(std::chrono::seconds(1));
  Digest d = put('d');  // Over budget: `b` is the least recently used unpinned blob.
  EXPECT_TRUE(ContainsBlob(*store, a));
  EXPECT_EQ(ReadBlob(*store, b).status().code(), StatusCode::kNotFound) << "out of the index at once";
  EXPECT_TRUE(EventuallyGone(store->PathFor(b)));
  EXPECT_TRUE(ContainsBlob(*store, c));
  EXPECT_TRUE(ContainsBlob(*store, d));
  EXPECT_LE(store->total_bytes(), 3000);
}

TEST(DiskBlobStoreTest, EvictedFilesAreDeletedInTheBackground) {
  TempDir dir;
  auto store = OpenStore(dir.path(), /*max_bytes=*/2000);
  std::vector<Digest> digests;
  for (char c : std::string("abcdef")) {
    std::string data(1000, c);
    digests.push_back(ComputeDigest(DigestFunction::kSha256, data));
    ASSERT_TRUE(WriteBlob(*store, digests.back(), data).ok());
  }
  EXPECT_EQ(store->FindMissing(digests).size(), 4u) << "out of the index at once";
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(EventuallyGone(store->PathFor(digests[i]))) << i;
  EXPECT_EQ(FilesIn(dir.path() + "/cas"), 2u);
  EXPECT_TRUE(Eventually([&] { return FilesIn(dir.path() + "/tmp") == 0; })) << "moved aside into tmp/, then deleted";
}

// With no room for evictions waiting on the evictions thread, each upload removes its
// victims' files itself, before it completes: the disk never holds more than the budget.
TEST(DiskBlobStoreTest, WithoutRoomForPendingEvictionsTheUploadRemovesItsVictims) {
  TempDir dir;
  DiskBlobStoreOptions options;
  options.root = dir.path();
  options.max_bytes = 2000;
  options.max_pending_eviction_bytes = 1;
  auto store = DiskBlobStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<Digest> digests;
  for (char c : std::string("abcd")) {
    std::string data(1000, c);
    digests.push_back(ComputeDigest(DigestFunction::kSha256, data));
    ASSERT_TRUE(WriteBlob(**store, digests.back(), data).ok());
    EXPECT_LE(FilesIn(dir.path() + "/cas"), 2u) << "after uploading " << c;
  }
  for (size_t i = 0; i < 2; ++i) EXPECT_FALSE(fs::exists((*store)->PathFor(digests[i]))) << i;
  EXPECT_TRUE((*store)->FindMissing({digests[2], digests[3]}).empty());
}

TEST(DiskBlobStoreTest, BlobLargerThanTheBudgetIsRefused) {
  TempDir dir;
  auto store = OpenStore(dir.path(), /*max_bytes=*/100);
  std::string data(101, 'x');
  auto writer = store->OpenWrite(ComputeDigest(DigestFunction::kSha256, data));
  EXPECT_EQ(writer.status().code(), StatusCode::kResourceExhausted);
}

TEST(DiskBlobStoreTest, ExternallyDeletedOrTruncatedFileIsReportedMissing) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Digest gone = ComputeDigest(DigestFunction::kSha256, "gone");
  Digest cut = ComputeDigest(DigestFunction::kSha256, "truncated");
  ASSERT_TRUE(WriteBlob(*store, gone, "gone").ok());
  ASSERT_TRUE(WriteBlob(*store, cut, "truncated").ok());
  fs::remove(store->PathFor(gone));
  fs::permissions(store->PathFor(cut), fs::perms::owner_write, fs::perm_options::add);
  fs::resize_file(store->PathFor(cut), 3);
  EXPECT_EQ(store->OpenRead(gone, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->OpenRead(cut, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->FindMissing({gone, cut}).size(), 2u);
}

TEST(DiskBlobStoreTest, ConcurrentWritersOfTheSameBlobAllSucceed) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string data(100000, 'q');
  Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { ok += WriteBlob(*store, digest, data).ok(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(store->blob_count(), 1u);
  EXPECT_EQ(*ReadBlob(*store, digest), data);
}

// Large blobs go through O_DIRECT while staging buffers last and through the page cache
// after that; either way every blob must land intact.
TEST(DiskBlobStoreTest, MoreConcurrentLargeUploadsThanStagingBuffersAllLandIntact) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  constexpr int kUploads = 24;
  std::vector<std::string> blobs;
  for (int i = 0; i < kUploads; ++i) blobs.push_back(std::string((3 << 20) + 17 * i, static_cast<char>('a' + i)));
  std::vector<std::unique_ptr<BlobWriter>> writers;
  for (const std::string& blob : blobs) {
    auto writer = store->OpenWrite(ComputeDigest(DigestFunction::kSha256, blob));
    ASSERT_TRUE(writer.ok());
    writers.push_back(std::move(writer).value());
  }
  // All open at once, fed in interleaved chunks, as concurrent streams would be.
  constexpr size_t kChunk = 1 << 20;
  for (size_t offset = 0; offset < blobs.back().size(); offset += kChunk) {
    for (int i = 0; i < kUploads; ++i) {
      if (offset < blobs[i].size()) ASSERT_TRUE(writers[i]->Write(std::string_view(blobs[i]).substr(offset, kChunk)).ok());
    }
  }
  for (auto& writer : writers) ASSERT_TRUE(writer->Commit().ok());
  for (const std::string& blob : blobs) {
    const Digest digest = ComputeDigest(DigestFunction::kSha256, blob);
    EXPECT_EQ(fs::file_size(store->PathFor(digest)), blob.size());
    EXPECT_TRUE(*ReadBlob(*store, digest) == blob) << digest.ToString();
  }
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(DiskBlobStoreTest, SecondStoreOnTheSameDirectoryIsRefused) {
  TempDir dir;
  DiskBlobStoreOptions options;
  options.root = dir.path();
  auto first = DiskBlobStore::Open(options);
  ASSERT_TRUE(first.ok());
  auto second = DiskBlobStore::Open(options);
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("another kiln process"), std::string::npos);
  first->reset();
  EXPECT_TRUE(DiskBlobStore::Open(options).ok());
}

TEST(DiskBlobStoreTest, ZeroSizeDigestWithAnotherHashIsNotTheEmptyBlob) {
  TempDir dir;
  DiskBlobStoreOptions options;
  options.root = dir.path();
  auto store = std::move(DiskBlobStore::Open(options)).value();
  Digest fake_empty = *Digest::Create(DigestFunction::kSha256, HashHex(DigestFunction::kSha256, "x"), 0);
  EXPECT_EQ(store->FindMissing({fake_empty}).size(), 1u);
  EXPECT_EQ(store->OpenRead(fake_empty, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(WriteBlob(*store, fake_empty, "").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(DiskBlobStoreTest, UploadOfAPresentBlobIsVerifiedButWritesNothing) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const Digest digest = ComputeDigest(DigestFunction::kSha256, "already here");
  ASSERT_TRUE(WriteBlob(*store, digest, "already here").ok());
  struct stat before {};
  ASSERT_EQ(::stat(store->PathFor(digest).c_str(), &before), 0);

  EXPECT_TRUE(WriteBlob(*store, digest, "already here").ok());
  auto wrong = store->OpenWrite(digest);
  ASSERT_TRUE(wrong.ok());
  ASSERT_TRUE((*wrong)->Write("different!!!").ok());
  EXPECT_EQ((*wrong)->Commit().code(), StatusCode::kInvalidArgument) << "bytes are checked even if not written";

  struct stat after {};
  ASSERT_EQ(::stat(store->PathFor(digest).c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino) << "the stored file was not replaced";
  EXPECT_EQ(ReadBlob(*store, digest).value(), "already here");
  EXPECT_EQ(FilesIn(dir.path() + "/tmp"), 0u);
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(DiskBlobStoreTest, UploadingTheEmptyBlobCreatesNoFile) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const Digest empty = Digest::Empty(DigestFunction::kSha256);
  auto writer = store->OpenWrite(empty);
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ(FilesIn(dir.path() + "/tmp"), 0u) << "not even a temp file";
  EXPECT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(FilesIn(dir.path() + "/cas"), 0u);
  EXPECT_TRUE(store->FindMissing({empty}).empty());
  auto wrong = store->OpenWrite(empty);
  EXPECT_EQ((*wrong)->Write("x").code(), StatusCode::kInvalidArgument) << "bytes for the empty blob are refused";
}

}  // namespace
}  // namespace kiln
