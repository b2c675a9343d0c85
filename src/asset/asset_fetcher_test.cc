#include "asset/asset_fetcher.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "testing/fake_downloader.h"
#include "cas/disk_blob_store.h"
#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

class AssetFetcherTest : public ::testing::Test {
 protected:
  AssetFetcherTest()
      : index_(&records_, &cas_, [] { return std::chrono::system_clock::now(); }),
        fetcher_(&index_, &cas_, &downloader_, nullptr, AssetFetcherOptions{temp_.path()}) {}

  AssetFetchResult Fetch(std::vector<std::string> uris, std::optional<Sri> checksum = std::nullopt) {
    AssetFetchRequest request;
    request.uris = std::move(uris);
    request.qualifiers.checksum = std::move(checksum);
    auto result = fetcher_.Fetch(request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : AssetFetchResult{};
  }

  TempDir temp_;
  MemoryRecordStore records_;
  MemoryBlobStore cas_;
  FakeDownloader downloader_;
  AssetIndex index_;
  AssetFetcher fetcher_;
};

TEST_F(AssetFetcherTest, DownloadsIntoTheCasAndServesTheNextFetchFromIt) {
  downloader_.Serve("https://origin/a", "the content");
  AssetFetchResult first = Fetch({"https://origin/a"});
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  EXPECT_EQ(first.digest, ComputeDigest(DigestFunction::kSha256, "the content"));
  EXPECT_EQ(*ReadBlob(cas_, first.digest), "the content");

  AssetFetchResult second = Fetch({"https://origin/a"});
  EXPECT_TRUE(second.status.ok());
  EXPECT_EQ(second.digest, first.digest);
  EXPECT_EQ(downloader_.requests(), 1);
}

TEST_F(AssetFetcherTest, TriesUrisInOrderAndReportsEveryFailure) {
  downloader_.Fail("https://down/a", Status::Unavailable("connection refused"));
  downloader_.Serve("https://mirror/a", "x");
  AssetFetchResult result = Fetch({"https://down/a", "https://mirror/a"});
  EXPECT_TRUE(result.status.ok());
  EXPECT_EQ(result.uri, "https://mirror/a");

  AssetFetchResult failed = Fetch({"https://down/a", "https://missing/b"});
  EXPECT_EQ(failed.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(failed.uri, "https://missing/b");
  EXPECT_NE(failed.status.message().find("https://down/a: connection refused"), std::string::npos);
  EXPECT_NE(failed.status.message().find("https://missing/b: HTTP status 404"), std::string::npos);
}

TEST_F(AssetFetcherTest, ChecksumMismatchStoresNothing) {
  downloader_.Serve("https://origin/a", "tampered");
  AssetFetchResult result = Fetch({"https://origin/a"}, Sri{DigestFunction::kSha256, HashHex(DigestFunction::kSha256, "good")});
  EXPECT_EQ(result.status.code(), StatusCode::kAborted);
  EXPECT_NE(result.status.message().find("checksum.sri"), std::string::npos) << result.status.message();
  EXPECT_EQ(cas_.blob_count(), 0u);
}

TEST_F(AssetFetcherTest, ChecksumWithAnotherFunctionIsVerifiedToo) {
  downloader_.Serve("https://origin/a", "good");
  AssetFetchResult result = Fetch({"https://origin/a"}, Sri{DigestFunction::kSha512, HashHex(DigestFunction::kSha512, "good")});
  EXPECT_TRUE(result.status.ok()) << result.status.ToString();
  EXPECT_EQ(result.digest, ComputeDigest(DigestFunction::kSha256, "good"));
}

TEST_F(AssetFetcherTest, KnownChecksumIsServedWithoutDownloading) {
  downloader_.Serve("https://origin/a", "good");
  const Sri sri{DigestFunction::kSha256, HashHex(DigestFunction::kSha256, "good")};
  ASSERT_TRUE(Fetch({"https://origin/a"}, sri).status.ok());
  AssetFetchResult other_uri = Fetch({"https://elsewhere/b"}, sri);
  EXPECT_TRUE(other_uri.status.ok());
  EXPECT_EQ(other_uri.uri, "https://elsewhere/b");
  EXPECT_EQ(downloader_.requests(), 1);
}

TEST_F(AssetFetcherTest, UnsupportedQualifiersAreRejectedUnlessPushed) {
  AssetFetchRequest request;
  request.uris = {"https://origin/a"};
  request.qualifiers.unsupported = {"mystery"};
  request.qualifiers.identity = "7:mystery1:x";
  auto rejected = fetcher_.Fetch(request);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rejected.status().message().find("\"mystery\" not supported"), std::string::npos);

  Digest digest = ComputeDigest(DigestFunction::kSha256, "pushed");
  ASSERT_TRUE(WriteBlob(cas_, digest, "pushed").ok());
  const AssetScope scope{"", AssetKind::kBlob, request.qualifiers.identity};
  ASSERT_TRUE(index_.Record(scope, request.uris, AssetMapping{digest, index_.Now(), std::nullopt, {}, {}, {}}).ok());
  auto served = fetcher_.Fetch(request);
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ(served->digest, digest);
  EXPECT_EQ(downloader_.requests(), 0);
}

TEST_F(AssetFetcherTest, UrisThatCannotBeDownloadedAreACallLevelNotFound) {
  AssetFetchRequest request;
  request.uris = {"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "urn:fdc:buildstream.build:2020:v1:x"};
  auto result = fetcher_.Fetch(request);
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_NE(result.status().message().find("nothing usable was pushed"), std::string::npos);
  EXPECT_EQ(downloader_.requests(), 0);
}

TEST_F(AssetFetcherTest, AnOriginsMissIsInTheResult) {
  // One URI could be downloaded: its failure is the origin's, reported in the response.
  AssetFetchResult result = Fetch({"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "https://origin/missing"});
  EXPECT_EQ(result.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(downloader_.requests(), 1);
}

TEST_F(AssetFetcherTest, StoppedFetcherGivesUp) {
  downloader_.Serve("https://origin/a", "x");
  fetcher_.Stop();
  EXPECT_EQ(Fetch({"https://origin/a", "https://origin/b"}).status.code(), StatusCode::kCancelled);
  EXPECT_EQ(downloader_.requests(), 0);
}

// Holds every download until `waiters` fetches wait for it (bounded: 10 s).
void HoldDownloadsUntilWaiting(FakeDownloader& downloader, const AssetFetcher& fetcher, int waiters) {
  downloader.BeforeEachDownload([&fetcher, waiters] {
    for (int i = 0; i < 1000 && fetcher.fetches_waiting() < waiters; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
}

TEST_F(AssetFetcherTest, ConcurrentIdenticalFetchesShareOneDownload) {
  downloader_.Serve("https://origin/a", "shared content");
  HoldDownloadsUntilWaiting(downloader_, fetcher_, 2);
  AssetFetchResult results[3];
  std::vector<std::thread> clients;
  for (AssetFetchResult& result : results) clients.emplace_back([&] { result = Fetch({"https://origin/a"}); });
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(downloader_.requests(), 1);
  for (const AssetFetchResult& result : results) {
    EXPECT_TRUE(result.status.ok()) << result.status.ToString();
    EXPECT_EQ(result.digest, ComputeDigest(DigestFunction::kSha256, "shared content"));
  }
  EXPECT_EQ(fetcher_.fetches_waiting(), 0);
}

TEST_F(AssetFetcherTest, FetchesThatDifferDoNotShareADownload) {
  downloader_.Serve("https://origin/a", "a");
  AssetFetchRequest plain;
  plain.uris = {"https://origin/a"};
  AssetFetchRequest with_header = plain;
  with_header.qualifiers.headers = {{"Authorization", "Bearer x"}};
  AssetFetchRequest other_function = plain;
  other_function.function = DigestFunction::kSha512;
  // Every download is held until all three are under way: shared ones never would be.
  downloader_.BeforeEachDownload([this] {
    for (int i = 0; i < 1000 && downloader_.requests() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  });
  std::vector<std::thread> clients;
  for (const AssetFetchRequest* request : {&plain, &with_header, &other_function}) {
    clients.emplace_back([this, request] { EXPECT_TRUE(fetcher_.Fetch(*request).ok()); });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(downloader_.requests(), 3);
  EXPECT_EQ(fetcher_.fetches_waiting(), 0);
}

TEST_F(AssetFetcherTest, AWaiterGivesUpAtItsOwnTimeout) {
  downloader_.Stall("https://origin/slow");
  std::thread first([&] { Fetch({"https://origin/slow"}); });
  for (int i = 0; i < 1000 && downloader_.requests() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  AssetFetchRequest impatient;
  impatient.uris = {"https://origin/slow"};
  impatient.timeout = std::chrono::milliseconds(50);
  auto waited = fetcher_.Fetch(impatient);
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(waited->status.message().find("identical fetch"), std::string::npos) << waited->status.message();
  fetcher_.Stop();
  first.join();
  EXPECT_EQ(downloader_.requests(), 1);
}

TEST_F(AssetFetcherTest, StopAbortsARunningDownloadAndItsWaiters) {
  downloader_.Stall("https://origin/stalled");
  HoldDownloadsUntilWaiting(downloader_, fetcher_, 1);
  AssetFetchResult leader, waiter;
  std::thread first([&] { leader = Fetch({"https://origin/stalled"}); });
  std::thread second([&] { waiter = Fetch({"https://origin/stalled"}); });
  for (int i = 0; i < 1000 && fetcher_.fetches_waiting() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  fetcher_.Stop();
  first.join();
  second.join();
  EXPECT_EQ(leader.status.code(), StatusCode::kCancelled) << leader.status.ToString();
  EXPECT_EQ(waiter.status.code(), StatusCode::kCancelled) << waiter.status.ToString();
  EXPECT_EQ(downloader_.requests(), 1);
}

TEST_F(AssetFetcherTest, FileUrisAreRefusedWithoutFileRoots) {
  AssetFetchResult result = Fetch({"file:///etc/hostname"});
  EXPECT_EQ(result.status.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(result.status.message().find("--asset-file-roots"), std::string::npos) << result.status.message();
  EXPECT_EQ(downloader_.requests(), 0);
}

TEST(AssetFetcherFileRootsTest, FileUrisUnderARootAreReadByKilnNotTheNetworkDownloader) {
  TempDir temp, root;
  std::filesystem::create_directories(root.path() + "/sub dir");
  std::ofstream(root.path() + "/sub dir/f.txt") << "x";
  auto roots = FileUriRoots::FromDirectories({root.path()});
  ASSERT_TRUE(roots.ok());
  MemoryRecordStore records;
  MemoryBlobStore cas;
  FakeDownloader downloader;
  AssetIndex index(&records, &cas, [] { return std::chrono::system_clock::now(); });
  AssetFetcherOptions options{temp.path()};
  options.file_roots = *roots;
  AssetFetcher fetcher(&index, &cas, &downloader, nullptr, options);
  AssetFetchRequest request;
  request.uris = {"file://" + root.path() + "/sub%20dir/../sub%20dir/./f.txt"};
  auto result = fetcher.Fetch(request);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->status.ok()) << result->status.ToString();
  EXPECT_EQ(result->digest, ComputeDigest(DigestFunction::kSha256, "x"));
  EXPECT_EQ(*ReadBlob(cas, result->digest), "x");
  EXPECT_EQ(downloader.requests(), 0);
}

// Over a DiskBlobStore, a download is moved into the CAS: the stored file is the one the
// download wrote (same inode), and nothing is left in the temp directory.
class AssetFetcherDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cas = DiskBlobStore::Open(DiskBlobStoreOptions{cas_root_.path()});
    ASSERT_TRUE(cas.ok()) << cas.status().ToString();
    cas_ = std::move(cas).value();
    index_ = std::make_unique<AssetIndex>(&records_, cas_.get(), [] { return std::chrono::system_clock::now(); });
    AssetFetcherOptions options{temp_.path()};
    options.move_downloads = [this](int dir_fd, const std::string& name, int fd, DigestFunction function) {
      struct stat info {};
      ::fstat(fd, &info);
      moved_inode_ = info.st_ino;
      ++move_calls_;
      if (refuse_moves_) return StatusOr<std::optional<Digest>>(std::optional<Digest>());
      return cas_->AdoptFile(dir_fd, name, fd, function);
    };
    fetcher_ = std::make_unique<AssetFetcher>(index_.get(), cas_.get(), &downloader_, nullptr, options);
  }

  AssetFetchResult Fetch(const std::string& uri, std::optional<Sri> checksum = std::nullopt) {
    AssetFetchRequest request;
    request.uris = {uri};
    request.qualifiers.checksum = std::move(checksum);
    auto result = fetcher_->Fetch(request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : AssetFetchResult{};
  }
  bool TempDirIsEmpty() const { return std::filesystem::is_empty(temp_.path()); }

  TempDir temp_, cas_root_;
  MemoryRecordStore records_;
  std::unique_ptr<DiskBlobStore> cas_;
  std::unique_ptr<AssetIndex> index_;
  FakeDownloader downloader_;
  std::unique_ptr<AssetFetcher> fetcher_;
  ino_t moved_inode_ = 0;
  int move_calls_ = 0;
  bool refuse_moves_ = false;
};

TEST_F(AssetFetcherDiskTest, DownloadsAreMovedIntoTheCasWithoutACopy) {
  downloader_.Serve("https://origin/a", "moved, not copied");
  AssetFetchResult result = Fetch("https://origin/a");
  ASSERT_TRUE(result.status.ok()) << result.status.ToString();
  EXPECT_EQ(*ReadBlob(*cas_, result.digest), "moved, not copied");
  struct stat stored {};
  ASSERT_EQ(::stat(cas_->PathFor(result.digest).c_str(), &stored), 0);
  EXPECT_EQ(move_calls_, 1);
  EXPECT_EQ(stored.st_ino, moved_inode_);
  EXPECT_TRUE(TempDirIsEmpty());
}

TEST_F(AssetFetcherDiskTest, AChecksumMismatchIsNeitherMovedNorLeftBehind) {
  downloader_.Serve("https://origin/a", "tampered");
  AssetFetchResult result = Fetch("https://origin/a", Sri{DigestFunction::kSha256, HashHex(DigestFunction::kSha256, "good")});
  EXPECT_EQ(result.status.code(), StatusCode::kAborted);
  EXPECT_EQ(move_calls_, 0);
  EXPECT_EQ(cas_->blob_count(), 0u);
  EXPECT_TRUE(TempDirIsEmpty());
}

TEST_F(AssetFetcherDiskTest, ADownloadTheStoreCannotTakeIsCopiedAndRemoved) {
  refuse_moves_ = true;  // As for a temp directory on another filesystem.
  downloader_.Serve("https://origin/a", "copied");
  AssetFetchResult result = Fetch("https://origin/a");
  ASSERT_TRUE(result.status.ok()) << result.status.ToString();
  EXPECT_EQ(move_calls_, 1);
  EXPECT_EQ(*ReadBlob(*cas_, result.digest), "copied");
  EXPECT_TRUE(TempDirIsEmpty());
}

TEST_F(AssetFetcherDiskTest, AFailedDownloadLeavesNoTempFile) {
  downloader_.Fail("https://origin/a", Status::Unavailable("connection reset"));
  EXPECT_EQ(Fetch("https://origin/a").status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(move_calls_, 0);
  EXPECT_TRUE(TempDirIsEmpty());
}

}  // namespace
}  // namespace kiln
