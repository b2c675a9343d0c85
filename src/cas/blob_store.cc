#include "cas/blob_store.h"

namespace kiln {

StatusOr<LentBytes> BlobReader::ReadForSending(size_t max) {
  // Not zero-filled: every byte sent is read into first.
  std::shared_ptr<char[]> buffer(new char[max]);
  auto n = Read(buffer.get(), max);
  if (!n.ok()) return n.status();
  return LentBytes{buffer, buffer.get(), *n};
}

std::vector<Digest> MissingOrAll(StatusOr<std::vector<Digest>> answer, const std::vector<Digest>& asked) {
  if (answer.ok()) return std::move(answer).value();
  std::vector<Digest> all;
  for (const Digest& digest : asked) {
    if (!digest.IsEmptyBlob()) all.push_back(digest);
  }
  return all;
}

std::vector<StatusOr<std::string>> BlobStore::ReadBlobs(const std::vector<Digest>& digests) {
  std::vector<StatusOr<std::string>> blobs;
  blobs.reserve(digests.size());
  for (const Digest& digest : digests) blobs.push_back(ReadBlob(*this, digest));
  return blobs;
}

StatusOr<std::string> ReadBlob(BlobStore& store, const Digest& digest) {
  auto reader = store.OpenRead(digest, 0);
  if (!reader.ok()) return reader.status();
  std::string data(static_cast<size_t>(digest.size()), '\0');
  size_t filled = 0;
  while (filled < data.size()) {
    auto n = (*reader)->Read(data.data() + filled, data.size() - filled);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    filled += *n;
  }
  if (filled != data.size()) {
    return Status::DataLoss("blob " + digest.ToString() + " ended after " + std::to_string(filled) + " bytes");
  }
  return data;
}

Status WriteBlob(BlobStore& store, const Digest& digest, std::string_view data) {
  auto writer = store.OpenWrite(digest);
  if (!writer.ok()) return writer.status();
  KILN_RETURN_IF_ERROR((*writer)->Write(data));
  return (*writer)->Commit();
}

bool ContainsBlob(BlobStore& store, const Digest& digest) { return store.FindMissing({digest}).empty(); }

}  // namespace kiln
