// Capabilities: what kiln advertises must match what it serves, since clients (Bazel,
// BuildStream, recc) pick digest functions, compression and batch sizes from it.
#include <algorithm>

#include "test_util.h"

namespace kiln_test {
namespace {

template <typename Repeated, typename Value>
bool Contains(const Repeated& values, Value wanted) {
  return std::find(values.begin(), values.end(), wanted) != values.end();
}

grpc::Status GetCapabilities(KilnProcess& server, const std::string& instance, reapi::ServerCapabilities* out) {
  grpc::ClientContext context;
  SetDeadline(&context);
  reapi::GetCapabilitiesRequest request;
  request.set_instance_name(instance);
  return server.capabilities().GetCapabilities(&context, request, out);
}

using CapabilitiesTest = KilnServerTest;

TEST_F(CapabilitiesTest, AdvertisesCacheFeatures) {
  reapi::ServerCapabilities caps;
  ASSERT_TRUE(GetCapabilities(server(), "", &caps).ok());
  const auto& cache = caps.cache_capabilities();
  // Exactly the functions kiln implements, for the cache and for execution alike.
  const std::vector<int> implemented = {reapi::DigestFunction::SHA256, reapi::DigestFunction::SHA1,
                                        reapi::DigestFunction::MD5,    reapi::DigestFunction::SHA384,
                                        reapi::DigestFunction::SHA512, reapi::DigestFunction::BLAKE3,
                                        reapi::DigestFunction::GITSHA1};
  EXPECT_EQ(std::vector<int>(cache.digest_functions().begin(), cache.digest_functions().end()), implemented);
  const auto& execution = caps.execution_capabilities().digest_functions();
  EXPECT_EQ(std::vector<int>(execution.begin(), execution.end()), implemented);
  EXPECT_TRUE(cache.action_cache_update_capabilities().update_enabled());
  // Identity is implied; the others are every compressor kiln serves, for both forms.
  const std::vector<int> compressors = {reapi::Compressor::ZSTD, reapi::Compressor::DEFLATE, reapi::Compressor::BROTLI};
  EXPECT_EQ(std::vector<int>(cache.supported_compressors().begin(), cache.supported_compressors().end()), compressors);
  EXPECT_EQ(std::vector<int>(cache.supported_batch_update_compressors().begin(),
                             cache.supported_batch_update_compressors().end()),
            compressors);
  EXPECT_EQ(cache.max_batch_total_size_bytes(), 4 * 1024 * 1024);
  // The largest upload: by default the CAS budget (10 GiB).
  EXPECT_EQ(cache.max_cas_blob_size_bytes(), int64_t{10} << 30);
}

TEST_F(CapabilitiesTest, AdvertisesExecutionWithLocalWorkersAndApiVersion2) {
  reapi::ServerCapabilities caps;
  ASSERT_TRUE(GetCapabilities(server(), "", &caps).ok());
  // kiln serve runs local workers by default.
  const auto& execution = caps.execution_capabilities();
  EXPECT_TRUE(execution.exec_enabled());
  EXPECT_EQ(execution.digest_function(), reapi::DigestFunction::SHA256);
  EXPECT_TRUE(Contains(execution.digest_functions(), reapi::DigestFunction::SHA1));
  ASSERT_EQ(execution.execution_priority_capabilities().priorities_size(), 1);
  EXPECT_LT(execution.execution_priority_capabilities().priorities(0).min_priority(), 0);
  EXPECT_GT(execution.execution_priority_capabilities().priorities(0).max_priority(), 0);
  EXPECT_TRUE(Contains(execution.supported_node_properties(), std::string("unix_mode")));
  EXPECT_EQ(caps.low_api_version().major(), 2);
  EXPECT_EQ(caps.low_api_version().minor(), 0);
  EXPECT_EQ(caps.high_api_version().major(), 2);
  EXPECT_EQ(caps.high_api_version().minor(), 12);
  EXPECT_EQ(caps.high_api_version().patch(), 0);
}

TEST_F(CapabilitiesTest, AnswersForNestedInstanceNames) {
  reapi::ServerCapabilities caps;
  grpc::Status status = GetCapabilities(server(), "team/project", &caps);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(caps.has_cache_capabilities());
}

TEST_F(CapabilitiesTest, RejectsReservedInstanceName) {
  reapi::ServerCapabilities caps;
  EXPECT_TRUE(HasStatus(GetCapabilities(server(), "main/blobs", &caps), grpc::StatusCode::INVALID_ARGUMENT,
                        "instance_name"));
  ExpectStillServing();
}

// The batch limit is configurable; the advertised value and the enforced value must agree.
class SmallBatchCapabilitiesTest : public KilnServerTest {
  std::vector<std::string> ServerFlags() const override { return {"--max-batch-bytes", "1M"}; }
};

TEST_F(SmallBatchCapabilitiesTest, AdvertisedBatchLimitIsEnforced) {
  reapi::ServerCapabilities caps;
  ASSERT_TRUE(GetCapabilities(server(), "", &caps).ok());
  ASSERT_EQ(caps.cache_capabilities().max_batch_total_size_bytes(), 1024 * 1024);

  // Exactly at the limit: accepted.
  EXPECT_TRUE(BatchUpload(cas(), "", {PseudoRandomBytes(1024 * 1024, 1)}));
  // One byte over: the whole call is rejected.
  const std::string over = PseudoRandomBytes(1024 * 1024 + 1, 2);
  reapi::BatchUpdateBlobsRequest request;
  auto* item = request.add_requests();
  *item->mutable_digest() = ProtoDigestOf(over);
  item->set_data(over);
  reapi::BatchUpdateBlobsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  EXPECT_TRUE(HasStatus(cas().BatchUpdateBlobs(&context, request, &response), grpc::StatusCode::INVALID_ARGUMENT));
  ExpectStillServing();
}

// max_cas_blob_size_bytes: advertised, and every way of creating a larger blob is refused
// with INVALID_ARGUMENT, the code REAPI gives, before anything is stored.
class BlobSizeLimitTest : public KilnServerTest {
 protected:
  static constexpr int64_t kLimit = 100000;
  std::vector<std::string> ServerFlags() const override { return {"--max-blob-bytes", std::to_string(kLimit)}; }

  bool IsStored(const std::string& blob) {
    std::vector<reapi::Digest> missing;
    return FindMissing(cas(), "", {ProtoDigestOf(blob)}, &missing).ok() && missing.empty();
  }
};

TEST_F(BlobSizeLimitTest, AdvertisedLimitIsEnforcedOnEveryUpload) {
  reapi::ServerCapabilities caps;
  ASSERT_TRUE(GetCapabilities(server(), "", &caps).ok());
  ASSERT_EQ(caps.cache_capabilities().max_cas_blob_size_bytes(), kLimit);
  const std::string at_limit = PseudoRandomBytes(kLimit, 1), over = PseudoRandomBytes(kLimit + 1, 2);
  int64_t committed = 0;

  // ByteStream Write: at the limit stored, one byte over refused, plain or compressed (where
  // the compressed bytes are few, but the declared size counts).
  ASSERT_TRUE(ByteStreamWrite(bytestream(), WriteName("", at_limit), at_limit, 16384, &committed).ok());
  EXPECT_TRUE(IsStored(at_limit));
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), WriteName("", over), over, 16384, &committed),
                        grpc::StatusCode::INVALID_ARGUMENT, "max_cas_blob_size_bytes"));
  const std::string zeros(kLimit + 1, '\0');
  EXPECT_TRUE(HasStatus(ByteStreamWrite(bytestream(), WriteName("", zeros, kiln::Compression::kZstd),
                                        *kiln::ZstdCompress(zeros), 16384, &committed),
                        grpc::StatusCode::INVALID_ARGUMENT, "max_cas_blob_size_bytes"));

  // BatchUpdateBlobs: the item over the limit fails, its neighbour is stored.
  reapi::BatchUpdateBlobsRequest batch;
  const std::string small = "a small neighbour";
  for (const std::string* blob : {&over, &small}) {
    auto* item = batch.add_requests();
    *item->mutable_digest() = ProtoDigestOf(*blob);
    item->set_data(*blob);
  }
  reapi::BatchUpdateBlobsResponse batch_response;
  grpc::ClientContext batch_context;
  SetDeadline(&batch_context);
  ASSERT_TRUE(cas().BatchUpdateBlobs(&batch_context, batch, &batch_response).ok());
  ASSERT_EQ(batch_response.responses_size(), 2);
  EXPECT_TRUE(HasStatus(batch_response.responses(0).status(), grpc::StatusCode::INVALID_ARGUMENT,
                        "max_cas_blob_size_bytes"));
  EXPECT_EQ(batch_response.responses(1).status().code(), 0);

  // SpliceBlob of small stored chunks into a blob over the limit.
  const std::string half1 = over.substr(0, over.size() / 2), half2 = over.substr(over.size() / 2);
  ASSERT_TRUE(BatchUpload(cas(), "", {half1, half2}));
  reapi::SpliceBlobRequest splice;
  *splice.mutable_blob_digest() = ProtoDigestOf(over);
  *splice.add_chunk_digests() = ProtoDigestOf(half1);
  *splice.add_chunk_digests() = ProtoDigestOf(half2);
  reapi::SpliceBlobResponse splice_response;
  grpc::ClientContext splice_context;
  SetDeadline(&splice_context);
  EXPECT_TRUE(HasStatus(cas().SpliceBlob(&splice_context, splice, &splice_response),
                        grpc::StatusCode::INVALID_ARGUMENT, "max_cas_blob_size_bytes"));

  EXPECT_FALSE(IsStored(over));
  EXPECT_FALSE(IsStored(zeros));
  ExpectStillServing();
}

class NoWorkersCapabilitiesTest : public KilnServerTest {
 protected:
  // Remote workers may connect by default, which enables execution even without local ones.
  std::vector<std::string> ServerFlags() const override { return {"--workers", "0", "--allow-remote-workers=false"}; }
};

TEST_F(NoWorkersCapabilitiesTest, AdvertisesExecutionDisabled) {
  reapi::ServerCapabilities caps;
  ASSERT_TRUE(GetCapabilities(server(), "", &caps).ok());
  EXPECT_FALSE(caps.execution_capabilities().exec_enabled());
}

}  // namespace
}  // namespace kiln_test
