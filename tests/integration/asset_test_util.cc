#include "asset_test_util.h"

#include "asset/sri.h"
#include "common/hasher.h"

namespace kiln_test {

std::string Sha256Sri(std::string_view data) {
  return kiln::Sri{DigestFunction::kSha256, kiln::HashHex(DigestFunction::kSha256, data)}.ToString();
}

std::string Sha384Sri(std::string_view data) {
  return kiln::Sri{DigestFunction::kSha384, kiln::HashHex(DigestFunction::kSha384, data)}.ToString();
}

std::string AssetServerTest::ReadCasBlob(const reapi::Digest& digest) {
  reapi::BatchReadBlobsRequest request;
  *request.add_digests() = digest;
  reapi::BatchReadBlobsResponse response;
  grpc::Status status = BatchRead(cas(), request, &response);
  EXPECT_TRUE(status.ok()) << Describe(status);
  if (!status.ok() || response.responses_size() != 1) return "";
  EXPECT_EQ(response.responses(0).status().code(), 0) << Describe(response.responses(0).status());
  return response.responses(0).data();
}

bool AssetServerTest::CasHas(const reapi::Digest& digest) {
  std::vector<reapi::Digest> missing;
  grpc::Status status = FindMissing(cas(), "", {digest}, &missing);
  EXPECT_TRUE(status.ok()) << Describe(status);
  return status.ok() && missing.empty();
}

}  // namespace kiln_test
