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
  EXPECT_GE(caps.high_api_version().minor(), caps.low_api_version().minor());
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
