#include "cas/blob_split.h"

#include "cas/blob_chunk_stream.h"
#include "common/hasher.h"

namespace kiln {

StatusOr<std::vector<Digest>> SplitStoredBlob(BlobStore& store, const Digest& blob, ChunkingFunction function,
                                              const ChunkingConfig& config) {
  if (blob.IsEmptyBlob()) return std::vector<Digest>();
  auto boundaries = NewChunkBoundaries(function, config);
  if (!boundaries.ok()) return boundaries.status();
  auto reader = store.OpenRead(blob, 0);
  if (!reader.ok()) return reader.status();
  BlobChunkStream chunks(std::move(reader).value(), std::move(boundaries).value());
  std::vector<Digest> digests;
  for (;;) {
    auto chunk = chunks.Next();
    if (!chunk.ok()) return chunk.status().WithContext("splitting " + blob.ToString());
    if (chunk->empty()) break;
    Digest digest = ComputeDigest(blob.function(), *chunk);
    // A chunk already stored is only touched (FindMissing protects it for the grace
    // period); writing it again would hash and copy it for nothing.
    if (!store.FindMissing({digest}).empty()) {
      Status written = WriteBlob(store, digest, *chunk);
      if (!written.ok()) return written.WithContext("storing chunk " + digest.ToString());
    }
    digests.push_back(std::move(digest));
  }
  if (chunks.offset() != blob.size()) {
    return Status::DataLoss("stored blob " + blob.ToString() + " has " + std::to_string(chunks.offset()) + " bytes");
  }
  return digests;
}

}  // namespace kiln
