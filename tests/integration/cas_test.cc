// ContentAddressableStorage: FindMissingBlobs, BatchUpdateBlobs and BatchReadBlobs over
// the wire, including per-item status semantics, zstd, the batch size limit, and the
// empty blob that every CAS must treat as present.
#include <algorithm>
#include <filesystem>
#include <limits>

#include "common/proto_digest.h"
#include "test_util.h"

namespace kiln_test {
namespace {

using CasTest = KilnServerTest;

bool SameDigest(const reapi::Digest& a, const reapi::Digest& b) {
  return a.hash() == b.hash() && a.size_bytes() == b.size_bytes();
}

reapi::BatchReadBlobsRequest ReadRequest(const std::vector<reapi::Digest>& digests) {
  reapi::BatchReadBlobsRequest request;
  for (const auto& digest : digests) *request.add_digests() = digest;
  return request;
}

TEST_F(CasTest, EmptyBlobIsAlwaysPresentAndReadsAsEmpty) {
  for (DigestFunction function : kiln::kAllDigestFunctions) {
    const reapi::Digest empty = ProtoDigestOf("", function);
    std::vector<reapi::Digest> missing;
    ASSERT_TRUE(FindMissing(cas(), "", {empty}, &missing, kiln::ToProto(function)).ok());
    EXPECT_TRUE(missing.empty()) << "empty blob reported missing for " << empty.hash();

    reapi::BatchReadBlobsRequest request = ReadRequest({empty});
    request.set_digest_function(kiln::ToProto(function));
    reapi::BatchReadBlobsResponse response;
    ASSERT_TRUE(BatchRead(cas(), request, &response).ok());
    ASSERT_EQ(response.responses_size(), 1);
    EXPECT_EQ(response.responses(0).status().code(), 0) << Describe(response.responses(0).status());
    EXPECT_TRUE(response.responses(0).data().empty());
  }
}

// A size-0 digest whose hash is not the empty hash names no possible content, so it must
// not be confused with the empty blob.
TEST_F(CasTest, ZeroSizeDigestWithOtherHashIsNotTheEmptyBlob) {
  const reapi::Digest bogus = ProtoDigest(ProtoDigestOf("not empty").hash(), 0);
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {bogus}, &missing).ok());
  EXPECT_EQ(missing.size(), 1u) << "a size-0 digest with a non-empty hash was reported present";

  reapi::BatchReadBlobsResponse response;
  ASSERT_TRUE(BatchRead(cas(), ReadRequest({bogus}), &response).ok());
  ASSERT_EQ(response.responses_size(), 1);
  EXPECT_TRUE(HasStatus(response.responses(0).status(), grpc::StatusCode::NOT_FOUND));
}

TEST_F(CasTest, FindMissingReportsExactlyTheAbsentDigests) {
  const std::string a = "blob a", b = PseudoRandomBytes(10000, 1);
  ASSERT_TRUE(BatchUpload(cas(), "", {a, b}));
  const reapi::Digest unknown = UnknownDigest();
  // Right hash, wrong size: a different digest, so also missing.
  const reapi::Digest wrong_size = ProtoDigest(ProtoDigestOf(a).hash(), 7);
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(a), unknown, ProtoDigestOf(b), wrong_size}, &missing).ok());
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_TRUE(std::any_of(missing.begin(), missing.end(), [&](auto& d) { return SameDigest(d, unknown); }));
  EXPECT_TRUE(std::any_of(missing.begin(), missing.end(), [&](auto& d) { return SameDigest(d, wrong_size); }));
}

TEST_F(CasTest, BatchUpdateReportsEachItemAndStoresOnlyTheGoodOnes) {
  const std::string good1 = "first good blob", good2 = PseudoRandomBytes(3000, 2), claimed = "what the digest says";
  reapi::BatchUpdateBlobsRequest request;
  auto add = [&](const reapi::Digest& digest, const std::string& data) {
    auto* item = request.add_requests();
    *item->mutable_digest() = digest;
    item->set_data(data);
  };
  add(ProtoDigestOf(good1), good1);
  add(ProtoDigestOf(claimed), "what the data really is");  // Hash mismatch.
  add(ProtoDigestOf(good2), good2);
  reapi::BatchUpdateBlobsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  ASSERT_TRUE(cas().BatchUpdateBlobs(&context, request, &response).ok());
  ASSERT_EQ(response.responses_size(), 3);
  EXPECT_EQ(response.responses(0).status().code(), 0) << Describe(response.responses(0).status());
  EXPECT_TRUE(SameDigest(response.responses(1).digest(), ProtoDigestOf(claimed)));
  EXPECT_TRUE(HasStatus(response.responses(1).status(), grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(response.responses(2).status().code(), 0) << Describe(response.responses(2).status());

  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(good1), ProtoDigestOf(claimed), ProtoDigestOf(good2)}, &missing).ok());
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_TRUE(SameDigest(missing[0], ProtoDigestOf(claimed)));
}

TEST_F(CasTest, BatchUpdateAcceptsZstdAndRejectsBadCompressedItems) {
  const std::string blob = CompressibleBytes(100000, 3);
  auto compressed = kiln::ZstdCompress(blob);
  ASSERT_TRUE(compressed.ok());
  reapi::BatchUpdateBlobsRequest request;
  auto* good = request.add_requests();
  *good->mutable_digest() = ProtoDigestOf(blob);
  good->set_data(*compressed);
  good->set_compressor(reapi::Compressor::ZSTD);
  const std::string other = CompressibleBytes(5000, 4);
  auto* corrupt = request.add_requests();
  *corrupt->mutable_digest() = ProtoDigestOf(other);
  corrupt->set_data("this is not a zstd frame at all");
  corrupt->set_compressor(reapi::Compressor::ZSTD);
  auto* unknown = request.add_requests();  // No compressor kiln knows: refused per item.
  *unknown->mutable_digest() = ProtoDigestOf(other);
  unknown->set_data(other);
  unknown->set_compressor(static_cast<reapi::Compressor::Value>(17));
  reapi::BatchUpdateBlobsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  ASSERT_TRUE(cas().BatchUpdateBlobs(&context, request, &response).ok());
  ASSERT_EQ(response.responses_size(), 3);
  EXPECT_EQ(response.responses(0).status().code(), 0) << Describe(response.responses(0).status());
  EXPECT_TRUE(HasStatus(response.responses(1).status(), grpc::StatusCode::INVALID_ARGUMENT, "requests[1]"));
  EXPECT_TRUE(HasStatus(response.responses(2).status(), grpc::StatusCode::INVALID_ARGUMENT, "requests[2].compressor 17"));

  reapi::BatchReadBlobsResponse read;
  ASSERT_TRUE(BatchRead(cas(), ReadRequest({ProtoDigestOf(blob), ProtoDigestOf(other)}), &read).ok());
  ASSERT_EQ(read.responses_size(), 2);
  EXPECT_EQ(read.responses(0).status().code(), 0);
  EXPECT_TRUE(read.responses(0).data() == blob);
  EXPECT_TRUE(HasStatus(read.responses(1).status(), grpc::StatusCode::NOT_FOUND));
}

TEST_F(CasTest, BatchUpdateOverTheSizeLimitRejectsTheWholeCall) {
  // 4 MiB default limit; 2 MiB + 2 MiB + 1 byte of data is over it.
  const std::vector<std::string> blobs = {PseudoRandomBytes(2 << 20, 5), PseudoRandomBytes(2 << 20, 6), "x"};
  reapi::BatchUpdateBlobsRequest request;
  for (const auto& blob : blobs) {
    auto* item = request.add_requests();
    *item->mutable_digest() = ProtoDigestOf(blob);
    item->set_data(blob);
  }
  reapi::BatchUpdateBlobsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  EXPECT_TRUE(HasStatus(cas().BatchUpdateBlobs(&context, request, &response), grpc::StatusCode::INVALID_ARGUMENT));
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(blobs[0]), ProtoDigestOf(blobs[1]), ProtoDigestOf(blobs[2])},
                          &missing).ok());
  EXPECT_EQ(missing.size(), 3u) << "nothing of a rejected batch may be stored";
  ExpectStillServing();
}

// The batch limit is on the total size of the blobs (REAPI: "combined total size of blobs
// to be uploaded"), which for zstd items is the uncompressed size: otherwise a few KiB of
// compressed zeros make the server inflate blobs of any size in memory.
TEST_F(CasTest, BatchUpdateLimitCountsUncompressedBlobSizes) {
  const std::string blob(8 << 20, '\0');  // 8 MiB, twice the limit, compresses to a few hundred bytes.
  auto compressed = kiln::ZstdCompress(blob);
  ASSERT_TRUE(compressed.ok());
  ASSERT_LT(compressed->size(), 4u << 20);
  reapi::BatchUpdateBlobsRequest request;
  auto* item = request.add_requests();
  *item->mutable_digest() = ProtoDigestOf(blob);
  item->set_data(*compressed);
  item->set_compressor(reapi::Compressor::ZSTD);
  reapi::BatchUpdateBlobsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Status status = cas().BatchUpdateBlobs(&context, request, &response);
  EXPECT_TRUE(HasStatus(status, grpc::StatusCode::INVALID_ARGUMENT))
      << "an 8 MiB blob was accepted in a batch limited to 4 MiB";
  ExpectStillServing();
}

TEST_F(CasTest, BatchReadReportsMissingBlobsPerItem) {
  const std::string present = PseudoRandomBytes(2048, 7);
  ASSERT_TRUE(BatchUpload(cas(), "", {present}));
  reapi::BatchReadBlobsResponse response;
  ASSERT_TRUE(BatchRead(cas(), ReadRequest({UnknownDigest(), ProtoDigestOf(present)}), &response).ok());
  ASSERT_EQ(response.responses_size(), 2);
  EXPECT_TRUE(SameDigest(response.responses(0).digest(), UnknownDigest()));
  EXPECT_TRUE(HasStatus(response.responses(0).status(), grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(response.responses(1).status().code(), 0) << Describe(response.responses(1).status());
  EXPECT_TRUE(response.responses(1).data() == present);
}

TEST_F(CasTest, BatchReadWithZstdAcceptableReturnsDecodableData) {
  const std::vector<std::string> blobs = {CompressibleBytes(256 * 1024, 8), PseudoRandomBytes(4096, 9), "tiny"};
  ASSERT_TRUE(BatchUpload(cas(), "", blobs));
  reapi::BatchReadBlobsRequest request =
      ReadRequest({ProtoDigestOf(blobs[0]), ProtoDigestOf(blobs[1]), ProtoDigestOf(blobs[2])});
  request.add_acceptable_compressors(reapi::Compressor::ZSTD);
  reapi::BatchReadBlobsResponse response;
  ASSERT_TRUE(BatchRead(cas(), request, &response).ok());
  ASSERT_EQ(response.responses_size(), 3);
  for (int i = 0; i < 3; ++i) {
    const auto& item = response.responses(i);
    ASSERT_EQ(item.status().code(), 0) << Describe(item.status());
    std::string data = item.data();
    if (item.compressor() == reapi::Compressor::ZSTD) {
      auto decompressed = kiln::ZstdDecompress(item.data(), static_cast<int64_t>(blobs[i].size()));
      ASSERT_TRUE(decompressed.ok()) << decompressed.status().ToString();
      data = *decompressed;
    } else {
      ASSERT_EQ(item.compressor(), reapi::Compressor::IDENTITY) << "only offered compressors may be used";
    }
    EXPECT_TRUE(data == blobs[i]) << "blob " << i;
  }
  // Without acceptable_compressors, data must come back uncompressed.
  reapi::BatchReadBlobsResponse plain;
  ASSERT_TRUE(BatchRead(cas(), ReadRequest({ProtoDigestOf(blobs[0])}), &plain).ok());
  ASSERT_EQ(plain.responses_size(), 1);
  EXPECT_EQ(plain.responses(0).compressor(), reapi::Compressor::IDENTITY);
  EXPECT_TRUE(plain.responses(0).data() == blobs[0]);
}

TEST_F(CasTest, BatchReadOverTheSizeLimitIsRejected) {
  reapi::BatchReadBlobsResponse response;
  EXPECT_TRUE(HasStatus(BatchRead(cas(), ReadRequest({UnknownDigest(3 << 20, '1'), UnknownDigest(2 << 20, '2')}),
                                  &response),
                        grpc::StatusCode::INVALID_ARGUMENT));
  // Sizes whose sum overflows int64 are just as far over the limit.
  const int64_t huge = std::numeric_limits<int64_t>::max();
  EXPECT_TRUE(HasStatus(BatchRead(cas(), ReadRequest({UnknownDigest(huge, '3'), UnknownDigest(huge, '4')}), &response),
                        grpc::StatusCode::INVALID_ARGUMENT));
  ExpectStillServing();
}

TEST_F(CasTest, MalformedDigestsAreInvalidArgumentNamingTheField) {
  const reapi::Digest good = ProtoDigestOf("good");
  struct Case {
    reapi::Digest digest;
    const char* mention;
  };
  const Case cases[] = {
      {ProtoDigest(std::string(63, 'a'), 1), "blob_digests[1]"},  // Wrong hash length.
      {ProtoDigest(std::string(64, 'A'), 1), "blob_digests[1]"},  // Uppercase hex.
      {ProtoDigest(std::string(64, 'g'), 1), "blob_digests[1]"},  // Not hex.
      {ProtoDigest(std::string(64, 'a'), -1), "size_bytes"},      // Negative size.
      {ProtoDigest("", 5), "blob_digests[1]"},                   // No hash.
  };
  for (const Case& c : cases) {
    EXPECT_TRUE(HasStatus(FindMissing(cas(), "", {good, c.digest}, nullptr), grpc::StatusCode::INVALID_ARGUMENT,
                          c.mention))
        << "hash \"" << c.digest.hash() << "\" size " << c.digest.size_bytes();
  }
  // SHA-1 declared, SHA-256-length hash given.
  EXPECT_TRUE(HasStatus(FindMissing(cas(), "", {good}, nullptr, reapi::DigestFunction::SHA1),
                        grpc::StatusCode::INVALID_ARGUMENT, "blob_digests[0]"));
  // Digest functions kiln does not serve.
  EXPECT_TRUE(HasStatus(FindMissing(cas(), "", {good}, nullptr, reapi::DigestFunction::VSO),
                        grpc::StatusCode::INVALID_ARGUMENT, "digest_function"));
  EXPECT_TRUE(HasStatus(FindMissing(cas(), "", {good}, nullptr, static_cast<reapi::DigestFunction::Value>(99)),
                        grpc::StatusCode::INVALID_ARGUMENT, "digest_function"));

  reapi::BatchReadBlobsResponse read;
  EXPECT_TRUE(HasStatus(BatchRead(cas(), ReadRequest({ProtoDigest("abc", 3)}), &read),
                        grpc::StatusCode::INVALID_ARGUMENT, "digests[0]"));

  ExpectStillServing();
}

// Per item in BatchUpdateBlobs, the status must say which item is malformed: both for a
// hash of the right length but wrong characters and for a hash of no known length.
TEST_F(CasTest, BatchUpdateItemErrorsNameTheItem) {
  reapi::BatchUpdateBlobsRequest update;
  for (const std::string& hash : {std::string(64, 'F'), std::string("abc")}) {
    auto* item = update.add_requests();
    *item->mutable_digest() = ProtoDigest(hash, 4);
    item->set_data("data");
  }
  reapi::BatchUpdateBlobsResponse update_response;
  grpc::ClientContext context;
  SetDeadline(&context);
  ASSERT_TRUE(cas().BatchUpdateBlobs(&context, update, &update_response).ok());
  ASSERT_EQ(update_response.responses_size(), 2);
  EXPECT_TRUE(HasStatus(update_response.responses(0).status(), grpc::StatusCode::INVALID_ARGUMENT, "requests[0]"));
  EXPECT_TRUE(HasStatus(update_response.responses(1).status(), grpc::StatusCode::INVALID_ARGUMENT, "requests[1]"));
  ExpectStillServing();
}

TEST_F(CasTest, ReservedInstanceNamesAreInvalidArgument) {
  for (const char* instance : {"blobs", "main/uploads", "a/compressed-blobs/b", "a//b", "../x"}) {
    EXPECT_TRUE(HasStatus(FindMissing(cas(), instance, {ProtoDigestOf("x")}, nullptr),
                          grpc::StatusCode::INVALID_ARGUMENT, "instance_name"))
        << instance;
    reapi::BatchReadBlobsRequest request = ReadRequest({ProtoDigestOf("x")});
    request.set_instance_name(instance);
    reapi::BatchReadBlobsResponse response;
    EXPECT_TRUE(HasStatus(BatchRead(cas(), request, &response), grpc::StatusCode::INVALID_ARGUMENT, "instance_name"))
        << instance;
  }
  ExpectStillServing();
}

// README: the CAS is content-addressed and shared by all instance names.
TEST_F(CasTest, NestedInstanceNamesWorkAndShareTheCas) {
  const std::string blob = "blob under a nested instance";
  ASSERT_TRUE(BatchUpload(cas(), "team/project/ci", {blob}));
  for (const char* instance : {"team/project/ci", "", "other"}) {
    std::vector<reapi::Digest> missing;
    ASSERT_TRUE(FindMissing(cas(), instance, {ProtoDigestOf(blob)}, &missing).ok());
    EXPECT_TRUE(missing.empty()) << instance;
  }
}

// Files removed or truncated behind the server's back must never be served as the blob.
TEST_F(CasTest, TamperedCasFilesAreNotServed) {
  const std::string removed = PseudoRandomBytes(5000, 20), truncated = PseudoRandomBytes(6000, 21);
  ASSERT_TRUE(BatchUpload(cas(), "", {removed, truncated}));
  auto path_of = [&](const std::string& blob) {
    const std::string hash = DigestOf(blob).hash();
    return data_dir_.path() + "/cas/sha256/" + hash.substr(0, 2) + "/" + hash;
  };
  ASSERT_TRUE(std::filesystem::remove(path_of(removed)));
  std::filesystem::permissions(path_of(truncated), std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::filesystem::resize_file(path_of(truncated), 100);

  reapi::BatchReadBlobsResponse response;
  ASSERT_TRUE(BatchRead(cas(), ReadRequest({ProtoDigestOf(removed), ProtoDigestOf(truncated)}), &response).ok());
  ASSERT_EQ(response.responses_size(), 2);
  EXPECT_TRUE(HasStatus(response.responses(0).status(), grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(HasStatus(response.responses(1).status(), grpc::StatusCode::NOT_FOUND));
  // Having noticed, the server no longer claims to have them, so clients upload them again.
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(removed), ProtoDigestOf(truncated)}, &missing).ok());
  EXPECT_EQ(missing.size(), 2u);
  ASSERT_TRUE(BatchUpload(cas(), "", {removed, truncated}));
  ASSERT_TRUE(BatchRead(cas(), ReadRequest({ProtoDigestOf(removed), ProtoDigestOf(truncated)}), &response).ok());
  EXPECT_TRUE(response.responses(0).data() == removed);
  EXPECT_TRUE(response.responses(1).data() == truncated);
}

}  // namespace
}  // namespace kiln_test
