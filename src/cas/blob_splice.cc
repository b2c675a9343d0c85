#include "cas/blob_splice.h"

#include <unordered_set>

#include "common/resource_name.h"

namespace kiln {
namespace {

// A splice may list 100,000 chunks: the message names the first few, the
// PreconditionFailure (Status::missing_blobs) all of them.
constexpr size_t kChunksNamedInMessage = 5;

Status MissingChunks(const std::vector<Digest>& missing) {
  std::vector<std::string> subjects;
  subjects.reserve(missing.size());
  for (const Digest& digest : missing) subjects.push_back(MissingBlobSubject(digest));
  std::string message = std::to_string(missing.size()) + " chunk(s) to splice are not in the CAS: ";
  for (size_t i = 0; i < subjects.size() && i < kChunksNamedInMessage; ++i) {
    message += (i > 0 ? ", " : "") + subjects[i];
  }
  if (subjects.size() > kChunksNamedInMessage) {
    message += " and " + std::to_string(subjects.size() - kChunksNamedInMessage) + " more";
  }
  return Status::FailedPrecondition(std::move(message)).WithMissingBlobs(std::move(subjects));
}

Status CheckChunkList(const Digest& blob, const std::vector<Digest>& chunks) {
  int64_t total = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (chunks[i].function() != blob.function()) {
      return Status::InvalidArgument("chunk_digests[" + std::to_string(i) +
                                     "] uses another digest function than blob_digest");
    }
    // Sizes are validated non-negative; the sum can still overflow with hostile sizes.
    if (__builtin_add_overflow(total, chunks[i].size(), &total) || total > blob.size()) {
      return Status::InvalidArgument("chunk_digests add up to more than blob_digest's " + std::to_string(blob.size()) +
                                     " bytes (over it at chunk_digests[" + std::to_string(i) + "])");
    }
  }
  if (total != blob.size()) {
    return Status::InvalidArgument("chunk_digests add up to " + std::to_string(total) + " bytes, blob_digest has " +
                                   std::to_string(blob.size()));
  }
  return Status::Ok();
}

// Appends one chunk's bytes to the blob being written.
Status CopyChunk(BlobStore& store, const Digest& chunk, BlobWriter& writer, std::vector<char>& buffer) {
  if (chunk.size() == 0) return Status::Ok();
  auto reader = store.OpenRead(chunk, 0);
  if (!reader.ok()) {
    // Evicted since the check: as missing as if it never was.
    if (reader.status().code() == StatusCode::kNotFound) return MissingChunks({chunk});
    return reader.status();
  }
  int64_t copied = 0;
  for (;;) {
    auto read = (*reader)->Read(buffer.data(), buffer.size());
    if (!read.ok()) return read.status().WithContext("reading chunk " + chunk.ToString());
    if (*read == 0) break;
    KILN_RETURN_IF_ERROR(writer.Write(std::string_view(buffer.data(), *read)));
    copied += static_cast<int64_t>(*read);
  }
  if (copied != chunk.size()) return Status::DataLoss("stored chunk " + chunk.ToString() + " is short");
  return Status::Ok();
}

}  // namespace

Status SpliceBlob(BlobStore& store, const Digest& blob, const std::vector<Digest>& chunks,
                  const SpliceOptions& options) {
  KILN_RETURN_IF_ERROR(CheckChunkList(blob, chunks));
  std::vector<Digest> distinct;
  std::unordered_set<Digest, DigestHash> seen;
  for (const Digest& chunk : chunks) {
    if (seen.insert(chunk).second) distinct.push_back(chunk);
  }
  // REAPI lets a server take a splice of a blob it holds as done. The lookup of the chunks
  // still extends the lifetimes of those stored, as a splice promises (a server that did
  // not would have to answer ALREADY_EXISTS); missing ones do not matter then.
  if (store.FindMissing({blob}).empty()) {
    store.FindMissing(distinct);
    return Status::Ok();
  }
  // One call for all: also protects the chunks from eviction while they are copied.
  const std::vector<Digest> missing = store.FindMissing(distinct);
  if (!missing.empty()) return MissingChunks(missing);

  auto writer = store.OpenWrite(blob);
  if (!writer.ok()) return writer.status();
  std::vector<char> buffer(256 * 1024);
  for (const Digest& chunk : chunks) {
    if (options.cancelled && options.cancelled()) return Status::Cancelled("splice cancelled");
    KILN_RETURN_IF_ERROR(CopyChunk(store, chunk, **writer, buffer));
  }
  Status committed = (*writer)->Commit();
  if (committed.code() == StatusCode::kInvalidArgument) {
    return Status::InvalidArgument("the chunks do not assemble to blob_digest " + blob.ToString() + ": " +
                                   committed.message());
  }
  return committed;
}

}  // namespace kiln
