// A stored file changed behind kiln's back is never served as its blob: verification state,
// detection on read, quarantine, scrubbing and the confirmed FindMissing.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "cas/disk_blob_store.h"
#include "cas/file_blob_reader.h"
#include "cas/verifying_blob_reader.h"
#include "common/hasher.h"
#include "testing/pattern_bytes.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<DiskBlobStore> OpenStore(const std::string& root) {
  DiskBlobStoreOptions options;
  options.root = root;
  options.max_bytes = int64_t{1} << 30;
  auto store = DiskBlobStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

// Flips one byte of a stored file in place (same inode, same size), as a careless edit or a
// bad disk would. The file is read-only (0444): made writable for the write, then read-only
// again, so that this also works where the test does not run as root.
void FlipByte(const std::string& path, int64_t offset) {
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(offset);
  char c = 0;
  file.get(c);
  file.seekp(offset);
  file.put(static_cast<char>(c ^ 0x01));
  file.close();
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
}

size_t FilesIn(const std::string& dir) {
  if (!fs::exists(dir)) return 0;
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) count += entry.is_regular_file();
  return count;
}

// Reads the whole blob through ReadForSending, as ByteStream Read does; returns the bytes
// received before the reader's first error, and that error.
std::pair<std::string, Status> StreamRead(DiskBlobStore& store, const Digest& digest, size_t chunk = 1 << 20) {
  auto reader = store.OpenRead(digest, 0);
  if (!reader.ok()) return {"", reader.status()};
  std::string received;
  while (static_cast<int64_t>(received.size()) < digest.size()) {
    auto bytes = (*reader)->ReadForSending(chunk);
    if (!bytes.ok()) return {received, bytes.status()};
    if (bytes->size == 0) return {received, Status::DataLoss("ended early")};
    received.append(bytes->data, bytes->size);
  }
  return {received, Status::Ok()};
}

bool ReadsWithoutHashing(DiskBlobStore& store, const Digest& digest) {
  auto reader = store.OpenRead(digest, 0);
  return reader.ok() && dynamic_cast<FileBlobReader*>(reader->get()) != nullptr;
}

TEST(DiskBlobStoreIntegrityTest, UploadedBlobIsVerifiedByConstructionAndServedWithoutHashing) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = testing::PatternBytes(3 << 20);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
  EXPECT_TRUE(ReadsWithoutHashing(*store, digest));
  EXPECT_EQ(*ReadBlob(*store, digest), data);
}

TEST(DiskBlobStoreIntegrityTest, FlippedByteEndsAStreamedReadWithDataLossAndQuarantinesTheFile) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = testing::PatternBytes(3 << 20);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
  const std::string path = store->PathFor(digest);
  FlipByte(path, 12345);

  EXPECT_FALSE(ReadsWithoutHashing(*store, digest)) << "the file's ctime changed: it must be hashed";
  auto [received, status] = StreamRead(*store, digest);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
  EXPECT_LT(received.size(), data.size()) << "the last chunk is never handed out";
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(FilesIn(store->quarantine_dir()), 1u);
  EXPECT_EQ(store->quarantined_count(), 1);
  EXPECT_EQ(store->FindMissing({digest}).size(), 1u) << "reported missing, so clients upload it again";
  EXPECT_EQ(store->OpenRead(digest, 0).status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
  EXPECT_TRUE(store->FindMissing({digest}).empty());
  EXPECT_EQ(*ReadBlob(*store, digest), data);
  EXPECT_TRUE(ReadsWithoutHashing(*store, digest));
}

TEST(DiskBlobStoreIntegrityTest, WholeBlobReadOfACorruptFileFailsBeforeHandingOutItsBytes) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = "a small blob, as BatchReadBlobs or a Directory read would fetch";
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
  FlipByte(store->PathFor(digest), 0);
  auto read = ReadBlob(*store, digest);
  EXPECT_EQ(read.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(read.status().message().find("quarantined"), std::string::npos) << read.status().ToString();
  EXPECT_EQ(store->FindMissing({digest}).size(), 1u);
}

TEST(DiskBlobStoreIntegrityTest, ReadFromAnOffsetChecksTheWholeFileFirst) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = testing::PatternBytes(1 << 20);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
  FlipByte(store->PathFor(digest), 10);
  EXPECT_EQ(store->OpenRead(digest, 4096).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(store->FindMissing({digest}).size(), 1u);
}

TEST(DiskBlobStoreIntegrityTest, ReaderStoppedShortChecksTheRestOnRequest) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = testing::PatternBytes(2 << 20);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
  FlipByte(store->PathFor(digest), data.size() - 1);
  auto reader = store->OpenRead(digest, 0);
  ASSERT_TRUE(reader.ok());
  char head[100];
  ASSERT_TRUE((*reader)->Read(head, sizeof head).ok());
  EXPECT_EQ((*reader)->VerifyRemainder().code(), StatusCode::kDataLoss) << "a read_limit'ed read must not vouch";
  EXPECT_EQ(store->FindMissing({digest}).size(), 1u);
}

TEST(DiskBlobStoreIntegrityTest, AfterARestartTheFirstReadHashesAndLaterReadsDoNot) {
  TempDir dir;
  const std::string data = testing::PatternBytes(1 << 20);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  { ASSERT_TRUE(WriteBlob(*OpenStore(dir.path()), digest, data).ok()); }
  auto store = OpenStore(dir.path());
  EXPECT_FALSE(ReadsWithoutHashing(*store, digest)) << "verification state is not persisted";
  auto [received, status] = StreamRead(*store, digest);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(received, data);
  EXPECT_TRUE(ReadsWithoutHashing(*store, digest)) << "the first full read recorded the verification";
}

TEST(DiskBlobStoreIntegrityTest, CorruptFileFoundAfterARestartIsQuarantined) {
  TempDir dir;
  const std::string data = testing::PatternBytes(300 << 10);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  std::string path;
  {
    auto store = OpenStore(dir.path());
    ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
    path = store->PathFor(digest);
  }
  FlipByte(path, 200 << 10);
  auto store = OpenStore(dir.path());
  EXPECT_EQ(StreamRead(*store, digest, 64 << 10).second.code(), StatusCode::kDataLoss);
  EXPECT_EQ(FilesIn(store->quarantine_dir()), 1u);
}

TEST(DiskBlobStoreIntegrityTest, VerifiedPathForHardlinkingRefusesACorruptFile) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const Digest good = ComputeDigest(DigestFunction::kSha256, "good input");
  const Digest bad = ComputeDigest(DigestFunction::kSha256, "bad input");
  ASSERT_TRUE(WriteBlob(*store, good, "good input").ok());
  ASSERT_TRUE(WriteBlob(*store, bad, "bad input").ok());
  FlipByte(store->PathFor(bad), 3);
  EXPECT_EQ(store->VerifiedPathFor(good), store->PathFor(good));
  EXPECT_EQ(store->VerifiedPathFor(bad), "");
  EXPECT_EQ(store->FindMissing({good, bad}), std::vector<Digest>{bad});
  EXPECT_EQ(FilesIn(store->quarantine_dir()), 1u);
}

TEST(DiskBlobStoreIntegrityTest, QuarantineLeavesABlobUploadedAgainMeanwhileAlone) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = testing::PatternBytes(1 << 20);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
  FlipByte(store->PathFor(digest), 77);
  auto reader = store->OpenRead(digest, 0);  // Opened on the corrupt file.
  ASSERT_TRUE(reader.ok());
  // A fresh upload replaces the file before the read finds the damage.
  ASSERT_EQ(::unlink(store->PathFor(digest).c_str()), 0);
  std::ofstream(store->PathFor(digest), std::ios::binary) << data;
  std::string sink(data.size(), '\0');
  EXPECT_EQ((*reader)->Read(sink.data(), sink.size()).status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(fs::exists(store->PathFor(digest))) << "the new file is not the one found bad";
  EXPECT_EQ(FilesIn(store->quarantine_dir()), 0u);
}

TEST(DiskBlobStoreIntegrityTest, ScrubHashesEvenAVerifiedBlobAndQuarantinesACorruptOne) {
  TempDir dir;
  const std::string data = testing::PatternBytes(100 << 10);
  const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  const Digest other = ComputeDigest(DigestFunction::kSha256, "other");
  std::string path;
  {
    auto store = OpenStore(dir.path());
    ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
    ASSERT_TRUE(WriteBlob(*store, other, "other").ok());
    EXPECT_EQ(*store->Scrub(digest), static_cast<int64_t>(data.size())) << "no shortcut for a verified file";
    path = store->PathFor(digest);
  }
  FlipByte(path, 5);
  auto store = OpenStore(dir.path());
  EXPECT_EQ(*store->Scrub(other), 5);
  EXPECT_EQ(*store->Scrub(digest), static_cast<int64_t>(data.size()));
  EXPECT_EQ(store->FindMissing({digest, other}), std::vector<Digest>{digest});
  EXPECT_EQ(FilesIn(store->quarantine_dir()), 1u);
  EXPECT_EQ(*store->Scrub(digest), 0) << "gone now";
}

TEST(DiskBlobStoreIntegrityTest, ScrubDoesNotChangeWhatEvictionPicks) {
  TempDir dir;
  DiskBlobStoreOptions options;
  options.root = dir.path();
  options.max_bytes = 2500;
  options.grace_period = Duration::zero();
  auto store = DiskBlobStore::Open(options);
  ASSERT_TRUE(store.ok());
  std::vector<Digest> digests;
  for (char c : {'a', 'b', 'c'}) {
    const std::string data(1000, c);
    digests.push_back(ComputeDigest(DigestFunction::kSha256, data));
    if (c == 'c') ASSERT_EQ(*(*store)->Scrub(digests[0]), 1000);  // The least recently used.
    ASSERT_TRUE(WriteBlob(**store, digests.back(), data).ok());
  }
  EXPECT_EQ((*store)->FindMissing(digests), std::vector<Digest>{digests[0]}) << "still the first evicted";
}

TEST(DiskBlobStoreIntegrityTest, NextToScrubWalksEveryBlobAndWrapsAround) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::set<std::string> stored;
  for (int i = 0; i < 5; ++i) {
    const std::string data = "blob " + std::to_string(i);
    const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
    stored.insert(digest.ToString());
  }
  std::set<std::string> first_pass, second_pass;
  for (int i = 0; i < 5; ++i) first_pass.insert(store->NextToScrub()->ToString());
  for (int i = 0; i < 5; ++i) second_pass.insert(store->NextToScrub()->ToString());
  EXPECT_EQ(first_pass, stored);
  EXPECT_EQ(second_pass, stored);
  EXPECT_FALSE(OpenStore(dir.path() + "/empty")->NextToScrub().has_value());
}

TEST(DiskBlobStoreIntegrityTest, ConfirmedFindMissingNoticesFilesGoneOrCutShortBehindKilnsBack) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const Digest kept = ComputeDigest(DigestFunction::kSha256, "kept");
  const Digest deleted = ComputeDigest(DigestFunction::kSha256, "deleted");
  const Digest cut = ComputeDigest(DigestFunction::kSha256, "cut short");
  for (const auto& [digest, data] : {std::pair{kept, "kept"}, {deleted, "deleted"}, {cut, "cut short"}}) {
    ASSERT_TRUE(WriteBlob(*store, digest, data).ok());
  }
  ASSERT_TRUE(fs::remove(store->PathFor(deleted)));
  fs::permissions(store->PathFor(cut), fs::perms::owner_write, fs::perm_options::add);
  fs::resize_file(store->PathFor(cut), 3);
  EXPECT_EQ(store->FindMissing({kept, deleted, cut}).size(), 0u) << "the index alone has not noticed";
  const std::vector<Digest> missing = store->FindMissingConfirmed({kept, deleted, cut, Digest::Empty(DigestFunction::kSha256)});
  EXPECT_EQ(missing, (std::vector<Digest>{deleted, cut}));
  EXPECT_EQ(store->FindMissing({kept, deleted, cut}).size(), 2u) << "the index entries were dropped";
  EXPECT_EQ(FilesIn(store->quarantine_dir()), 1u) << "the cut-short file, kept for a look";
}

}  // namespace
}  // namespace kiln
