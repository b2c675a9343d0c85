#include "http/http_cache.h"

#include <gtest/gtest.h>

#include <map>

#include "ac/local_action_cache.h"
#include "ac/record_store.h"
#include "cas/memory_blob_store.h"
#include "common/compression.h"
#include "common/hasher.h"
#include "testing/http_fakes.h"

namespace kiln {
namespace {

using testing::FakeRequest;
using testing::FakeResponder;

class HttpCacheTest : public ::testing::Test {
 protected:
  HttpCacheTest() : action_cache_(&records_, &cas_, 1 << 20) {
    HttpCacheOptions options;
    options.max_blob_bytes = 1 << 20;
    options.max_action_result_bytes = 64 * 1024;
    options.max_undeclared_zstd_bytes = 1 << 20;
    // The memory store cannot tell a size from a hash: the test remembers what it stored.
    options.stored_size = [this](DigestFunction, std::string_view hash) -> std::optional<int64_t> {
      auto it = sizes_.find(std::string(hash));
      if (it == sizes_.end() || !ContainsBlob(cas_, Digest::Create(DigestFunction::kSha256, hash, it->second).value())) {
        return std::nullopt;
      }
      return it->second;
    };
    AddHttpCacheRoutes(router_, &cas_, &action_cache_, options);
  }

  FakeResponder Call(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    FakeRequest fake(method, path, body);
    for (const auto& [name, value] : headers) fake.request.headers.Add(name, value);
    if (method == "PUT") fake.request.content_length = static_cast<int64_t>(body.size());
    FakeResponder responder;
    router_.Serve(fake.request, responder);
    return responder;
  }
  // PUTs `data` as a blob (remembering its size for GETs); the HTTP status.
  int PutBlob(const std::string& data, const std::string& prefix = "") {
    const std::string hash = HashHex(DigestFunction::kSha256, data);
    sizes_[hash] = static_cast<int64_t>(data.size());
    return Call("PUT", prefix + "/cas/" + hash, data).status();
  }

  MemoryBlobStore cas_;
  MemoryRecordStore records_;
  LocalActionCache action_cache_;
  RequestAuthorizer everyone_{nullptr, nullptr};
  HttpRouter router_{&everyone_};
  std::map<std::string, int64_t> sizes_;
};

TEST_F(HttpCacheTest, ABlobPutIsReadBackAndHeadGivesItsSize) {
  const std::string data = "hello, cache";
  ASSERT_EQ(PutBlob(data), 200);
  const std::string path = "/cas/" + HashHex(DigestFunction::kSha256, data);
  FakeResponder get = Call("GET", path);
  EXPECT_EQ(get.status(), 200);
  EXPECT_EQ(get.body(), data);
  FakeResponder head = Call("HEAD", path);
  EXPECT_EQ(head.status(), 200);
  EXPECT_EQ(head.content_length(), static_cast<int64_t>(data.size()));
  EXPECT_TRUE(head.body().empty());
}

TEST_F(HttpCacheTest, ABlobWhoseBytesDoNotMatchTheHashIs400AndNotStored) {
  const std::string hash = HashHex(DigestFunction::kSha256, "expected");
  EXPECT_EQ(Call("PUT", "/cas/" + hash, "something else").status(), 400);
  EXPECT_EQ(cas_.blob_count(), 0u);
}

TEST_F(HttpCacheTest, MissingIs404BadHashIs400OtherPathsAre404) {
  EXPECT_EQ(Call("GET", "/cas/" + HashHex(DigestFunction::kSha256, "absent")).status(), 404);
  EXPECT_EQ(Call("GET", "/cas/xyz").status(), 400);
  EXPECT_EQ(Call("GET", "/cas/" + std::string(64, 'A')).status(), 400);
  EXPECT_EQ(Call("GET", "/blobs/abc").status(), 404);
  EXPECT_EQ(Call("GET", "/cas").status(), 404);
}

TEST_F(HttpCacheTest, SizeLimitsAre413AndAPutWithoutLengthIs411) {
  const std::string big(1 << 20 | 1, 'x');
  EXPECT_EQ(Call("PUT", "/cas/" + HashHex(DigestFunction::kSha256, big), big).status(), 413);
  FakeRequest chunked("PUT", "/cas/" + HashHex(DigestFunction::kSha256, "abc"), "abc");
  chunked.request.content_length.reset();
  FakeResponder responder;
  router_.Serve(chunked.request, responder);
  EXPECT_EQ(responder.status(), 411);
}

TEST_F(HttpCacheTest, ZstdBodiesAreStoredDecompressedAndServedCompressedOnRequest) {
  const std::string data(300'000, 'z');
  const std::string hash = HashHex(DigestFunction::kSha256, data);
  sizes_[hash] = static_cast<int64_t>(data.size());
  auto compressed = ZstdCompress(data);  // One-shot: the frame declares its size.
  ASSERT_TRUE(compressed.ok());
  EXPECT_EQ(Call("PUT", "/cas/" + hash, *compressed, {{"Content-Encoding", "zstd"}}).status(), 200);
  FakeResponder plain = Call("GET", "/cas/" + hash);
  EXPECT_EQ(plain.body(), data);
  FakeResponder zstd = Call("GET", "/cas/" + hash, "", {{"Accept-Encoding", "gzip, zstd"}});
  EXPECT_EQ(zstd.headers().Get("content-encoding"), "zstd");
  auto decompressed = ZstdDecompress(zstd.body(), 1 << 20);
  ASSERT_TRUE(decompressed.ok());
  EXPECT_EQ(*decompressed, data);
}

TEST_F(HttpCacheTest, AZstdFrameWithoutItsSizeIsDecompressedInMemory) {
  const std::string data = "streamed without a declared size";
  const std::string hash = HashHex(DigestFunction::kSha256, data);
  ZstdCompressor compressor;  // Streaming: no content size in the frame header.
  std::string compressed;
  ASSERT_TRUE(compressor.Compress(data, true, &compressed).ok());
  sizes_[hash] = static_cast<int64_t>(data.size());
  EXPECT_EQ(Call("PUT", "/cas/" + hash, compressed, {{"Content-Encoding", "zstd"}}).status(), 200);
  EXPECT_EQ(Call("GET", "/cas/" + hash).body(), data);
  EXPECT_EQ(Call("PUT", "/cas/" + hash, "not zstd", {{"Content-Encoding", "zstd"}}).status(), 400);
  EXPECT_EQ(Call("PUT", "/cas/" + hash, data, {{"Content-Encoding", "br"}}).status(), 400);
}

TEST_F(HttpCacheTest, ActionResultsRoundTripWhileTheirBlobsArePresent) {
  const std::string output = "output file";
  ASSERT_EQ(PutBlob(output), 200);
  reapi::ActionResult result;
  auto* file = result.add_output_files();
  file->set_path("out");
  file->mutable_digest()->set_hash(HashHex(DigestFunction::kSha256, output));
  file->mutable_digest()->set_size_bytes(static_cast<int64_t>(output.size()));
  result.set_exit_code(0);
  const std::string action = "/ac/" + HashHex(DigestFunction::kSha256, "action");
  EXPECT_EQ(Call("PUT", action, result.SerializeAsString()).status(), 200);
  FakeResponder get = Call("GET", action);
  ASSERT_EQ(get.status(), 200);
  reapi::ActionResult read;
  ASSERT_TRUE(read.ParseFromString(get.body()));
  EXPECT_EQ(read.output_files(0).path(), "out");
  // Another instance has its own entries.
  EXPECT_EQ(Call("GET", "/team/a" + action).status(), 404);
}

TEST_F(HttpCacheTest, AnActionResultNamingAMissingBlobIsAMiss) {
  reapi::ActionResult result;
  auto* file = result.add_output_files();
  file->set_path("out");
  file->mutable_digest()->set_hash(HashHex(DigestFunction::kSha256, "never uploaded"));
  file->mutable_digest()->set_size_bytes(14);
  const std::string action = "/ac/" + HashHex(DigestFunction::kSha256, "action");
  ASSERT_EQ(Call("PUT", action, result.SerializeAsString()).status(), 200);
  EXPECT_EQ(Call("GET", action).status(), 404);
}

TEST_F(HttpCacheTest, AnActionResultThatDoesNotParseOrHasBadDigestsIs400) {
  const std::string action = "/ac/" + HashHex(DigestFunction::kSha256, "action");
  EXPECT_EQ(Call("PUT", action, std::string("\xff\xff\xff", 3)).status(), 400);
  reapi::ActionResult bad;
  bad.add_output_files()->mutable_digest()->set_hash("nothex");
  EXPECT_EQ(Call("PUT", action, bad.SerializeAsString()).status(), 400);
}

TEST_F(HttpCacheTest, TheInstanceIsEverythingBeforeTheKind) {
  auto path = ParseHttpCachePath("/team/a/cas/ab");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->instance_name, "team/a");
  EXPECT_FALSE(path->action_cache);
  EXPECT_EQ(path->hash, "ab");
  auto plain = ParseHttpCachePath("/ac/cd");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->instance_name, "");
  EXPECT_TRUE(plain->action_cache);
  EXPECT_EQ(ParseHttpCachePath("/x/blob/ab").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kiln
