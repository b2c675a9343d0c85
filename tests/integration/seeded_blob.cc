#include "seeded_blob.h"

#include <algorithm>
#include <cstring>

#include "common/hasher.h"
#include "common/resource_name.h"

namespace kiln_test {
namespace {

constexpr size_t kMessageBytes = 1 << 20;
// A gigabyte at a few hundred MB/s on a loaded machine, with room to spare.
constexpr std::chrono::seconds kStreamDeadline{300};

}  // namespace

// The same xorshift steps as PseudoRandomBytes (test_util.cc), carried across chunks.
SeededBytes::SeededBytes(uint64_t seed, int64_t size)
    : state_(seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL), remaining_(size) {}

std::string SeededBytes::Next(size_t max) {
  const size_t size = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(max), remaining_));
  std::string out(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    std::memcpy(out.data() + i, &state_, std::min<size_t>(8, size - i));
  }
  remaining_ -= static_cast<int64_t>(size);
  return out;
}

SeededBlob MakeSeededBlob(uint64_t seed, int64_t size) {
  kiln::Hasher hasher(kiln::DigestFunction::kSha256, size);
  SeededBytes bytes(seed, size);
  while (bytes.remaining() > 0) hasher.Update(bytes.Next(kMessageBytes));
  SeededBlob blob;
  blob.seed = seed;
  blob.digest = kiln::Digest::Create(kiln::DigestFunction::kSha256, hasher.FinishHex(), size).value();
  return blob;
}

grpc::Status StreamSeededBlob(google::bytestream::ByteStream::Stub& bytestream, const SeededBlob& blob,
                              const std::function<void(int64_t)>& sent) {
  grpc::ClientContext context;
  SetDeadline(&context, kStreamDeadline);
  google::bytestream::WriteResponse response;
  auto writer = bytestream.Write(&context, &response);
  SeededBytes bytes(blob.seed, blob.size());
  int64_t offset = 0;
  do {
    google::bytestream::WriteRequest request;
    if (offset == 0) request.set_resource_name(kiln::MakeWriteResourceName("", NewUploadId(), blob.digest));
    request.set_write_offset(offset);
    request.set_data(bytes.Next(kMessageBytes));
    offset += static_cast<int64_t>(request.data().size());
    request.set_finish_write(bytes.remaining() == 0);
    // False: the server ended the stream early; Finish says why.
    if (!writer->Write(request)) break;
    if (sent) sent(offset);
  } while (bytes.remaining() > 0);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (status.ok() && response.committed_size() != blob.size()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "committed_size " + std::to_string(response.committed_size()) +
                                                        " for a blob of " + std::to_string(blob.size()));
  }
  return status;
}

::testing::AssertionResult StreamsBackIntact(google::bytestream::ByteStream::Stub& bytestream,
                                             const kiln::Digest& digest) {
  grpc::ClientContext context;
  SetDeadline(&context, kStreamDeadline);
  google::bytestream::ReadRequest request;
  request.set_resource_name(kiln::MakeReadResourceName("", digest));
  auto reader = bytestream.Read(&context, request);
  kiln::Hasher hasher(kiln::DigestFunction::kSha256, digest.size());
  int64_t size = 0;
  google::bytestream::ReadResponse response;
  while (reader->Read(&response)) {
    hasher.Update(response.data());
    size += static_cast<int64_t>(response.data().size());
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return ::testing::AssertionFailure() << digest.ToString() << ": " << Describe(status);
  const std::string hash = hasher.FinishHex();
  if (size != digest.size() || hash != digest.hash()) {
    return ::testing::AssertionFailure() << digest.ToString() << " read back as " << hash << "/" << size;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace kiln_test
