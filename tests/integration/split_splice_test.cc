// SplitBlob and SpliceBlob against the real server: what the capabilities advertise, chunks
// stored and assembling to the blob, a spliced blob readable like any other, and the
// refusals -- a missing blob, missing chunks (named in a PreconditionFailure), chunk lists
// that do not add up, bytes that do not hash to the digest, an unknown chunking function,
// and a splice of 100,000 tiny chunks.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/hasher.h"
#include "common/proto_digest.h"
#include "execution_util.h"
#include "test_util.h"

namespace kiln_test {
namespace {

using SplitSpliceTest = KilnServerTest;

grpc::Status Split(reapi::ContentAddressableStorage::Stub& cas, const reapi::Digest& blob,
                   reapi::ChunkingFunction::Value function, reapi::SplitBlobResponse* response) {
  reapi::SplitBlobRequest request;
  *request.mutable_blob_digest() = blob;
  request.set_chunking_function(function);
  grpc::ClientContext context;
  SetDeadline(&context);
  return cas.SplitBlob(&context, request, response);
}

grpc::Status Splice(reapi::ContentAddressableStorage::Stub& cas, const reapi::Digest& blob,
                    const std::vector<reapi::Digest>& chunks,
                    reapi::ChunkingFunction::Value function = reapi::ChunkingFunction::UNKNOWN) {
  reapi::SpliceBlobRequest request;
  *request.mutable_blob_digest() = blob;
  for (const auto& chunk : chunks) *request.add_chunk_digests() = chunk;
  request.set_chunking_function(function);
  reapi::SpliceBlobResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Status status = cas.SpliceBlob(&context, request, &response);
  if (status.ok()) {
    EXPECT_EQ(response.blob_digest().hash(), blob.hash());
    EXPECT_EQ(response.blob_digest().size_bytes(), blob.size_bytes());
  }
  return status;
}

std::string ReadAll(google::bytestream::ByteStream::Stub& bytestream, const reapi::Digest& digest) {
  std::string data;
  EXPECT_TRUE(ByteStreamRead(bytestream, "blobs/" + digest.hash() + "/" + std::to_string(digest.size_bytes()), &data).ok());
  return data;
}

bool Present(reapi::ContentAddressableStorage::Stub& cas, const std::vector<reapi::Digest>& digests) {
  std::vector<reapi::Digest> missing;
  return FindMissing(cas, "", digests, &missing).ok() && missing.empty();
}

TEST_F(SplitSpliceTest, CapabilitiesAdvertiseBothChunkingFunctions) {
  reapi::ServerCapabilities caps;
  grpc::ClientContext context;
  SetDeadline(&context);
  ASSERT_TRUE(server().capabilities().GetCapabilities(&context, reapi::GetCapabilitiesRequest(), &caps).ok());
  const auto& cache = caps.cache_capabilities();
  EXPECT_TRUE(cache.split_blob_support());
  EXPECT_TRUE(cache.splice_blob_support());
  EXPECT_EQ(cache.fast_cdc_2020_params().avg_chunk_size_bytes(), 512u * 1024);
  EXPECT_EQ(cache.fast_cdc_2020_params().seed(), 0u);
  EXPECT_EQ(cache.rep_max_cdc_params().min_chunk_size_bytes(), 256u * 1024);
  EXPECT_EQ(cache.rep_max_cdc_params().horizon_size_bytes(), 8u * 256 * 1024);
}

TEST_F(SplitSpliceTest, SplitStoresChunksThatAssembleToTheBlob) {
  const std::string blob = PseudoRandomBytes(6 << 20, 1);
  ASSERT_TRUE(ByteStreamWrite(bytestream(), WriteName("", blob), blob, 1 << 20, nullptr).ok());
  for (auto function : {reapi::ChunkingFunction::FAST_CDC_2020, reapi::ChunkingFunction::REP_MAX_CDC,
                        reapi::ChunkingFunction::UNKNOWN}) {
    SCOPED_TRACE(reapi::ChunkingFunction::Value_Name(function));
    reapi::SplitBlobResponse response;
    grpc::Status status = Split(cas(), ProtoDigestOf(blob), function, &response);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(response.chunking_function(),
              function == reapi::ChunkingFunction::UNKNOWN ? reapi::ChunkingFunction::FAST_CDC_2020 : function);
    ASSERT_GT(response.chunk_digests_size(), 5);
    const std::vector<reapi::Digest> chunks(response.chunk_digests().begin(), response.chunk_digests().end());
    EXPECT_TRUE(Present(cas(), chunks));
    std::string assembled;
    for (size_t i = 0; i < chunks.size(); ++i) {
      const std::string chunk = ReadAll(bytestream(), chunks[i]);
      if (function == reapi::ChunkingFunction::REP_MAX_CDC && i + 1 < chunks.size()) {
        EXPECT_GE(chunk.size(), 256u * 1024);
        EXPECT_LT(chunk.size(), 512u * 1024);
      }
      assembled += chunk;
    }
    EXPECT_TRUE(assembled == blob) << "chunks do not assemble to the blob";
  }
}

TEST_F(SplitSpliceTest, SplitRefusesMissingBlobAndBadRequests) {
  reapi::SplitBlobResponse response;
  EXPECT_TRUE(HasStatus(Split(cas(), UnknownDigest(), reapi::ChunkingFunction::FAST_CDC_2020, &response),
                        grpc::StatusCode::NOT_FOUND));
  ASSERT_TRUE(BatchUpload(cas(), "", {"some blob"}));
  EXPECT_TRUE(HasStatus(Split(cas(), ProtoDigestOf("some blob"), static_cast<reapi::ChunkingFunction::Value>(9), &response),
                        grpc::StatusCode::INVALID_ARGUMENT, "chunking_function 9"));
  reapi::SplitBlobRequest no_digest;
  grpc::ClientContext context;
  SetDeadline(&context);
  EXPECT_TRUE(HasStatus(cas().SplitBlob(&context, no_digest, &response), grpc::StatusCode::INVALID_ARGUMENT,
                        "blob_digest"));
  ExpectStillServing();
}

TEST_F(SplitSpliceTest, SplicedBlobIsStoredAndReadable) {
  const std::string a = PseudoRandomBytes(300000, 2), b = PseudoRandomBytes(1000, 3), c = PseudoRandomBytes(70000, 4);
  ASSERT_TRUE(BatchUpload(cas(), "", {a, b, c}));
  const std::string blob = a + b + c + b;
  const reapi::Digest digest = ProtoDigestOf(blob);
  ASSERT_FALSE(Present(cas(), {digest}));
  grpc::Status status = Splice(cas(), digest, {ProtoDigestOf(a), ProtoDigestOf(b), ProtoDigestOf(c), ProtoDigestOf(b)},
                               reapi::ChunkingFunction::FAST_CDC_2020);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(Present(cas(), {digest}));
  EXPECT_TRUE(ReadAll(bytestream(), digest) == blob);
  // Splicing what is already stored is a no-op that succeeds.
  EXPECT_TRUE(Splice(cas(), digest, {ProtoDigestOf(a), ProtoDigestOf(b), ProtoDigestOf(c), ProtoDigestOf(b)}).ok());
}

TEST_F(SplitSpliceTest, SpliceNamesMissingChunks) {
  ASSERT_TRUE(BatchUpload(cas(), "", {"present"}));
  const reapi::Digest absent1 = ProtoDigestOf("absent one"), absent2 = ProtoDigestOf("absent two");
  grpc::Status status =
      Splice(cas(), ProtoDigestOf("presentabsent oneabsent two"), {ProtoDigestOf("present"), absent1, absent2});
  ASSERT_TRUE(HasStatus(status, grpc::StatusCode::FAILED_PRECONDITION));
  std::vector<std::string> subjects = MissingSubjects(status);
  std::sort(subjects.begin(), subjects.end());
  std::vector<std::string> expected = {"blobs/" + absent1.hash() + "/" + std::to_string(absent1.size_bytes()),
                                       "blobs/" + absent2.hash() + "/" + std::to_string(absent2.size_bytes())};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(subjects, expected);
  EXPECT_FALSE(Present(cas(), {ProtoDigestOf("presentabsent oneabsent two")}));
}

TEST_F(SplitSpliceTest, SpliceRefusesMismatchesAndBadLists) {
  ASSERT_TRUE(BatchUpload(cas(), "", {"abc", "def"}));
  const std::vector<reapi::Digest> chunks = {ProtoDigestOf("abc"), ProtoDigestOf("def")};
  // Right size, other bytes: the assembled blob does not hash to the digest.
  const reapi::Digest claimed = ProtoDigestOf("abcxyz");
  EXPECT_TRUE(HasStatus(Splice(cas(), claimed, chunks), grpc::StatusCode::INVALID_ARGUMENT, "do not assemble"));
  EXPECT_FALSE(Present(cas(), {claimed}));
  // Sizes that do not add up to the blob's.
  EXPECT_TRUE(HasStatus(Splice(cas(), ProtoDigestOf("abcdefg"), chunks), grpc::StatusCode::INVALID_ARGUMENT, "add up"));
  EXPECT_TRUE(HasStatus(Splice(cas(), ProtoDigestOf("abcde"), chunks), grpc::StatusCode::INVALID_ARGUMENT, "add up"));
  // A chunk of another digest function (SHA-1 length) than the blob.
  EXPECT_TRUE(HasStatus(Splice(cas(), ProtoDigestOf("abcdef"), {ProtoDigestOf("abc"), ProtoDigestOf("def", DigestFunction::kSha1)}),
                        grpc::StatusCode::INVALID_ARGUMENT, "chunk_digests[1]"));
  EXPECT_TRUE(HasStatus(Splice(cas(), ProtoDigestOf("abcdef"), chunks, static_cast<reapi::ChunkingFunction::Value>(7)),
                        grpc::StatusCode::INVALID_ARGUMENT, "chunking_function 7"));
  reapi::SpliceBlobRequest no_digest;
  for (const auto& chunk : chunks) *no_digest.add_chunk_digests() = chunk;
  reapi::SpliceBlobResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  EXPECT_TRUE(HasStatus(cas().SpliceBlob(&context, no_digest, &response), grpc::StatusCode::INVALID_ARGUMENT,
                        "blob_digest is required"));
  ExpectStillServing();
}

// 100,000 digests (about 7 MB) are more than a request may carry at the default batch limit
// (5 MiB with headroom): refused before kiln reads them, and the server carries on.
TEST_F(SplitSpliceTest, HundredThousandChunkSpliceIsTooLargeByDefault) {
  std::vector<reapi::Digest> chunks(100000, ProtoDigestOf("x"));
  EXPECT_TRUE(HasStatus(Splice(cas(), ProtoDigestOf(std::string(100000, 'x')), chunks),
                        grpc::StatusCode::RESOURCE_EXHAUSTED));
  ExpectStillServing();
}

class LargeRequestSpliceTest : public KilnServerTest {
  std::vector<std::string> ServerFlags() const override { return {"--max-batch-bytes", "16M"}; }
};

// Where requests may carry them, 100,000 one-byte chunks splice in bounded time: one
// lookup of the distinct chunks, then one read per chunk.
TEST_F(LargeRequestSpliceTest, HundredThousandTinyChunks) {
  std::vector<std::string> distinct;
  for (int i = 0; i < 256; ++i) distinct.emplace_back(1, static_cast<char>(i));
  ASSERT_TRUE(BatchUpload(cas(), "", distinct));
  std::string blob;
  std::vector<reapi::Digest> chunks;
  for (int i = 0; i < 100000; ++i) {
    const int value = (i * 7919 + i / 256) % 256;
    blob.push_back(static_cast<char>(value));
    chunks.push_back(ProtoDigestOf(distinct[value]));
  }
  const auto started = std::chrono::steady_clock::now();
  grpc::Status status = Splice(cas(), ProtoDigestOf(blob), chunks);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_LT(elapsed, std::chrono::seconds(20));
  std::printf("splice of 100000 one-byte chunks: %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  EXPECT_TRUE(ReadAll(bytestream(), ProtoDigestOf(blob)) == blob);
  // One missing among them is named, and nothing is written.
  chunks[54321] = ProtoDigestOf("QQ");
  blob.replace(54321, 1, "QQ");
  EXPECT_TRUE(HasStatus(Splice(cas(), ProtoDigestOf(blob), chunks), grpc::StatusCode::FAILED_PRECONDITION));
  ExpectStillServing();
}

// 100,000 chunks none of which is stored: the client still hears FAILED_PRECONDITION, with
// the first missing chunks named in the message and as many as fit listed in the
// PreconditionFailure (a trailer of all 100,000 would pass any client's metadata limit).
TEST_F(LargeRequestSpliceTest, HundredThousandMissingChunksAreReportedNotLost) {
  std::vector<reapi::Digest> chunks;
  std::string blob;
  for (int i = 0; i < 100000; ++i) {
    const std::string chunk = "c" + std::to_string(i);
    blob += chunk;
    chunks.push_back(ProtoDigestOf(chunk));
  }
  grpc::Status status = Splice(cas(), ProtoDigestOf(blob), chunks);
  const std::string first = "blobs/" + chunks[0].hash() + "/" + std::to_string(chunks[0].size_bytes());
  ASSERT_TRUE(HasStatus(status, grpc::StatusCode::FAILED_PRECONDITION, "100000 chunk(s) to splice are not in the CAS: " + first));
  const std::vector<std::string> subjects = MissingSubjects(status);
  ASSERT_FALSE(subjects.empty());
  EXPECT_LT(subjects.size(), 100000u);
  EXPECT_EQ(subjects.front(), first);
  std::printf("missing chunks listed in the PreconditionFailure: %zu of 100000; message: %.200s\n", subjects.size(),
              status.error_message().c_str());
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
