// RemoteBlobStore against a real in-process kiln server: the BlobStore contract on both
// transfer paths (batch calls and ByteStream), plus what is specific to talking to a server.
#include "client/remote_blob_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "cas/disk_blob_store.h"
#include "cas/read_through_cache.h"
#include "common/hasher.h"
#include "server/kiln_server.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

constexpr size_t kLarge = 5 * 1024 * 1024 + 123;  // Crosses the 1 MiB batch threshold.

std::string Pattern(size_t size, int seed) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 31 + seed) % 251);
  return data;
}

Status WriteInPieces(BlobStore& store, const Digest& digest, std::string_view data, size_t piece) {
  auto writer = store.OpenWrite(digest);
  if (!writer.ok()) return writer.status();
  for (size_t offset = 0; offset < data.size(); offset += piece) {
    KILN_RETURN_IF_ERROR((*writer)->Write(data.substr(offset, piece)));
  }
  return (*writer)->Commit();
}

// Reads to the end with a small buffer, so that chunk boundaries fall mid-read.
StatusOr<std::string> ReadFrom(BlobStore& store, const Digest& digest, int64_t offset) {
  auto reader = store.OpenRead(digest, offset);
  if (!reader.ok()) return reader.status();
  std::string out;
  char buffer[100'000];
  while (true) {
    auto n = (*reader)->Read(buffer, sizeof(buffer));
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buffer, *n);
  }
}

std::shared_ptr<grpc::Channel> ChannelTo(int port) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
}

class RemoteBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir_.path();
    options.http_listen = "";  // No HTTP port: these servers run side by side (the default is one port).
    options.workers = 0;
    auto server = KilnServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    RemoteBlobStoreOptions store_options;
    store_options.rpc_timeout = std::chrono::seconds(20);
    store_ = NewRemoteBlobStore(ChannelTo(server_->port()), store_options);
  }

  TempDir dir_;
  std::unique_ptr<KilnServer> server_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(RemoteBlobStoreTest, SmallBlobRoundTrip) {
  Digest digest = ComputeDigest(DigestFunction::kSha256, "hello world");
  EXPECT_EQ(store_->FindMissing({digest}).size(), 1u);
  ASSERT_TRUE(WriteBlob(*store_, digest, "hello world").ok());
  EXPECT_TRUE(store_->FindMissing({digest}).empty());
  EXPECT_EQ(*ReadBlob(*store_, digest), "hello world");
}

TEST_F(RemoteBlobStoreTest, ReadBlobsBatchesSmallBlobsAndStreamsLargeOnes) {
  // 600 x 8 KiB: more than one BatchReadBlobs call's worth (2 MiB).
  std::vector<Digest> digests;
  std::vector<std::string> contents;
  for (int i = 0; i < 600; ++i) {
    contents.push_back(Pattern(8192, 100 + i));
    digests.push_back(ComputeDigest(DigestFunction::kSha256, contents.back()));
    ASSERT_TRUE(WriteBlob(*store_, digests.back(), contents.back()).ok());
  }
  contents.push_back(Pattern(kLarge, 9));
  digests.push_back(ComputeDigest(DigestFunction::kSha256, contents.back()));
  ASSERT_TRUE(WriteBlob(*store_, digests.back(), contents.back()).ok());
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "absent");
  digests.push_back(absent);
  digests.push_back(ComputeDigest(DigestFunction::kSha256, ""));
  std::vector<StatusOr<std::string>> blobs = store_->ReadBlobs(digests);
  ASSERT_EQ(blobs.size(), digests.size());
  for (size_t i = 0; i < contents.size(); ++i) {
    ASSERT_TRUE(blobs[i].ok()) << i << ": " << blobs[i].status().ToString();
    EXPECT_EQ(*blobs[i], contents[i]) << i;
  }
  EXPECT_EQ(blobs[contents.size()].status().code(), StatusCode::kNotFound);
  EXPECT_EQ(blobs.back().value(), "");
}

TEST_F(RemoteBlobStoreTest, LargeBlobRoundTripStreamsInPieces) {
  const std::string data = Pattern(kLarge, 1);
  Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteInPieces(*store_, digest, data, 16384).ok());
  EXPECT_TRUE(store_->FindMissing({digest}).empty());
  EXPECT_EQ(*ReadFrom(*store_, digest, 0), data);
  EXPECT_EQ(*ReadBlob(*store_, digest), data);
}

TEST_F(RemoteBlobStoreTest, LargeBlobWrittenInOneCall) {
  const std::string data = Pattern(kLarge, 2);
  Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(*store_, digest, data).ok());
  EXPECT_EQ(*ReadBlob(*store_, digest), data);
}

TEST_F(RemoteBlobStoreTest, ReadsFromAnOffset) {
  const std::string large = Pattern(kLarge, 3);
  Digest large_digest = ComputeDigest(DigestFunction::kSha256, large);
  ASSERT_TRUE(WriteBlob(*store_, large_digest, large).ok());
  const int64_t offset = 3 * 1024 * 1024 + 5;
  EXPECT_EQ(*ReadFrom(*store_, large_digest, offset), large.substr(offset));
  EXPECT_EQ(*ReadFrom(*store_, large_digest, large_digest.size()), "");
  EXPECT_EQ(store_->OpenRead(large_digest, large_digest.size() + 1).status().code(), StatusCode::kOutOfRange);

  Digest small = ComputeDigest(DigestFunction::kSha256, "0123456789");
  ASSERT_TRUE(WriteBlob(*store_, small, "0123456789").ok());
  EXPECT_EQ(*ReadFrom(*store_, small, 4), "456789");
  EXPECT_EQ(store_->OpenRead(small, 11).status().code(), StatusCode::kOutOfRange);
}

TEST_F(RemoteBlobStoreTest, MissingBlobIsNotFoundOnBothPaths) {
  Digest small = ComputeDigest(DigestFunction::kSha256, "absent");
  Digest large = ComputeDigest(DigestFunction::kSha256, Pattern(kLarge, 4));
  EXPECT_EQ(store_->OpenRead(small, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->OpenRead(large, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->OpenRead(large, 100).status().code(), StatusCode::kNotFound);
}

TEST_F(RemoteBlobStoreTest, WrongDataIsRejectedAndNotStored) {
  for (size_t size : {size_t{8}, kLarge}) {
    Digest digest = ComputeDigest(DigestFunction::kSha256, Pattern(size, 5));
    Status status = WriteInPieces(*store_, digest, Pattern(size, 6), 300'000);  // Same size, other bytes.
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << size;
    EXPECT_NE(status.message().find("hashes to"), std::string::npos) << status.message();
    EXPECT_EQ(store_->FindMissing({digest}).size(), 1u) << size;
    EXPECT_EQ(ReadBlob(*store_, digest).status().code(), StatusCode::kNotFound) << size;
  }
}

TEST_F(RemoteBlobStoreTest, TooManyOrTooFewBytesAreRejected) {
  for (size_t size : {size_t{3}, kLarge}) {
    const std::string data = Pattern(size, 7);
    Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    auto long_writer = store_->OpenWrite(digest);
    EXPECT_EQ((*long_writer)->Write(data + "x").code(), StatusCode::kInvalidArgument);
    auto short_writer = store_->OpenWrite(digest);
    ASSERT_TRUE((*short_writer)->Write(std::string_view(data).substr(0, size - 1)).ok());
    EXPECT_EQ((*short_writer)->Commit().code(), StatusCode::kInvalidArgument);
    EXPECT_FALSE(ContainsBlob(*store_, digest)) << size;
  }
}

TEST_F(RemoteBlobStoreTest, AbandonedWriterLeavesNothing) {
  for (size_t size : {size_t{9}, kLarge}) {
    const std::string data = Pattern(size, 8);
    Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    {
      auto writer = store_->OpenWrite(digest);
      ASSERT_TRUE((*writer)->Write(data).ok());  // Every byte, but no Commit.
      EXPECT_EQ((*writer)->bytes_written(), static_cast<int64_t>(size));
    }
    EXPECT_FALSE(ContainsBlob(*store_, digest)) << size;
  }
}

TEST_F(RemoteBlobStoreTest, WritingABlobTheServerHasSucceeds) {
  for (size_t size : {size_t{10}, kLarge}) {
    const std::string data = Pattern(size, 9);
    Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    ASSERT_TRUE(WriteBlob(*store_, digest, data).ok());
    // The server may end the ByteStream upload after the first message.
    EXPECT_TRUE(WriteInPieces(*store_, digest, data, 16384).ok()) << size;
    // Local hashing still catches wrong data for a blob the server already has.
    EXPECT_EQ(WriteBlob(*store_, digest, Pattern(size, 10)).code(), StatusCode::kInvalidArgument) << size;
    EXPECT_EQ(*ReadBlob(*store_, digest), data);
  }
}

TEST_F(RemoteBlobStoreTest, EmptyBlobIsAlwaysPresent) {
  for (DigestFunction function : kAllDigestFunctions) {
    Digest empty = Digest::Empty(function);
    EXPECT_TRUE(store_->FindMissing({empty}).empty());
    EXPECT_EQ(*ReadBlob(*store_, empty), "");
    EXPECT_TRUE(WriteBlob(*store_, empty, "").ok());
  }
}

TEST_F(RemoteBlobStoreTest, FindMissingSplitsLargeRequestsAndKeepsOrder) {
  std::vector<Digest> digests;
  for (int i = 0; i < 25'000; ++i) digests.push_back(ComputeDigest(DigestFunction::kSha256, "blob " + std::to_string(i)));
  for (int i : {0, 9'999, 10'000, 24'999}) {
    ASSERT_TRUE(WriteBlob(*store_, digests[i], "blob " + std::to_string(i)).ok());
  }
  digests.push_back(Digest::Empty(DigestFunction::kSha256));
  std::vector<Digest> missing = store_->FindMissing(digests);
  ASSERT_EQ(missing.size(), 25'000u - 4);
  EXPECT_EQ(missing.front(), digests[1]);
  EXPECT_EQ(missing[9'997], digests[9'998]);
  EXPECT_EQ(missing[9'998], digests[10'001]);
  EXPECT_EQ(missing.back(), digests[24'998]);
}

TEST_F(RemoteBlobStoreTest, OtherDigestFunctions) {
  const std::string large = Pattern(kLarge, 11);
  Digest sha1_large = ComputeDigest(DigestFunction::kSha1, large);
  Digest sha1 = ComputeDigest(DigestFunction::kSha1, "data");
  Digest md5 = ComputeDigest(DigestFunction::kMd5, "data");
  Digest sha512 = ComputeDigest(DigestFunction::kSha512, "data");
  ASSERT_TRUE(WriteBlob(*store_, sha1, "data").ok());
  ASSERT_TRUE(WriteBlob(*store_, sha1_large, large).ok());
  ASSERT_TRUE(WriteBlob(*store_, sha512, "data").ok());
  // One call mixing functions: each group is asked with its own digest_function.
  std::vector<Digest> missing = store_->FindMissing({sha1, md5, sha1_large, sha512});
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0], md5);
  EXPECT_EQ(*ReadBlob(*store_, sha1), "data");
  EXPECT_EQ(*ReadBlob(*store_, sha1_large), large);
  EXPECT_EQ(*ReadFrom(*store_, sha1_large, 1'000'000), large.substr(1'000'000));
  EXPECT_EQ(ReadBlob(*store_, md5).status().code(), StatusCode::kNotFound);
}

TEST_F(RemoteBlobStoreTest, AbandonedReaderAndReaderOutlivingTheStore) {
  const std::string data = Pattern(kLarge, 12);
  Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(*store_, digest, data).ok());
  {
    auto reader = store_->OpenRead(digest, 0);
    char buffer[10];
    ASSERT_TRUE((*reader)->Read(buffer, sizeof(buffer)).ok());
  }
  auto reader = store_->OpenRead(digest, 0);
  ASSERT_TRUE(reader.ok());
  store_.reset();
  std::string out(data.size(), '\0');
  size_t filled = 0;
  while (filled < out.size()) {
    auto n = (*reader)->Read(out.data() + filled, out.size() - filled);
    ASSERT_TRUE(n.ok() && *n > 0);
    filled += *n;
  }
  EXPECT_EQ(out, data);
}

TEST_F(RemoteBlobStoreTest, ServerDownGivesUnavailable) {
  const int port = server_->port();
  server_.reset();
  RemoteBlobStoreOptions options;
  options.rpc_timeout = std::chrono::seconds(5);
  auto store = NewRemoteBlobStore(ChannelTo(port), options);
  Digest small = ComputeDigest(DigestFunction::kSha256, "small");
  const std::string large = Pattern(kLarge, 13);
  Digest large_digest = ComputeDigest(DigestFunction::kSha256, large);
  // FindMissing cannot fail: unknown means missing.
  EXPECT_EQ(store->FindMissing({small, large_digest}).size(), 2u);
  // Unless the caller can take the error.
  EXPECT_EQ(store->FindMissingOrError({small, large_digest}).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(store->FindMissingOrError({Digest::Empty(DigestFunction::kSha256)})->empty());
  EXPECT_EQ(store->OpenRead(small, 0).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store->OpenRead(large_digest, 0).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(WriteBlob(*store, small, "small").code(), StatusCode::kUnavailable);
  EXPECT_EQ(WriteBlob(*store, large_digest, large).code(), StatusCode::kUnavailable);
  // The empty blob needs no server.
  EXPECT_TRUE(store->FindMissing({Digest::Empty(DigestFunction::kSha256)}).empty());
  EXPECT_EQ(*ReadBlob(*store, Digest::Empty(DigestFunction::kSha256)), "");
}

// A server that accepts connections but never answers: every call must end at its deadline.
TEST(RemoteBlobStoreDeadlineTest, HungServerHitsTheDeadline) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  RemoteBlobStoreOptions options;
  options.rpc_timeout = std::chrono::milliseconds(100);
  auto store = NewRemoteBlobStore(ChannelTo(ntohs(address.sin_port)), options);
  Digest small = ComputeDigest(DigestFunction::kSha256, "small");
  const std::string large = Pattern(kLarge, 14);
  Digest large_digest = ComputeDigest(DigestFunction::kSha256, large);
  EXPECT_EQ(store->OpenRead(small, 0).status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(store->OpenRead(large_digest, 0).status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(WriteBlob(*store, small, "small").code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(WriteBlob(*store, large_digest, large).code(), StatusCode::kDeadlineExceeded);
  ::close(listener);
}

// The worker's setup: a local disk cache in front of the frontend's CAS.
TEST_F(RemoteBlobStoreTest, BacksAReadThroughCache) {
  const std::string data = Pattern(kLarge, 15);
  Digest digest = ComputeDigest(DigestFunction::kSha256, data);
  ASSERT_TRUE(WriteBlob(*store_, digest, data).ok());
  TempDir cache_dir;
  DiskBlobStoreOptions local_options;
  local_options.root = cache_dir.path();
  ReadThroughCache cache(std::move(DiskBlobStore::Open(local_options)).value(), store_.get());
  ASSERT_TRUE(cache.EnsureLocal(digest).ok());
  EXPECT_EQ(std::filesystem::file_size(cache.LocalPath(digest)), data.size());
  EXPECT_EQ(*ReadBlob(cache, digest), data);
  Digest absent = ComputeDigest(DigestFunction::kSha256, "absent");
  EXPECT_EQ(cache.EnsureLocal(absent).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kiln
