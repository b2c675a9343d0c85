#include "client/remote_blob_store.h"

#include <algorithm>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "client/remote_blob_reader.h"
#include "client/remote_blob_rpc.h"
#include "client/remote_blob_writer.h"

namespace kiln {
namespace {

// Keeps each FindMissingBlobs request (~80 bytes per digest) far below 4 MiB.
constexpr size_t kFindMissingChunk = 10000;
// Bytes of blobs asked for in one BatchReadBlobs: half the 4 MiB a server commonly allows.
constexpr int64_t kBatchReadBytes = 2 << 20;

class RemoteBlobStore final : public BlobStore {
 public:
  explicit RemoteBlobStore(std::shared_ptr<const RemoteCasStubs> remote) : remote_(std::move(remote)) {}

  // A failed call reports every digest missing (see MissingOrAll).
  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override {
    return MissingOrAll(FindMissingOrError(digests), digests);
  }

  StatusOr<std::vector<Digest>> FindMissingOrError(const std::vector<Digest>& digests) override {
    std::vector<Digest> by_function[std::size(kAllDigestFunctions)];
    for (const Digest& digest : digests) {
      if (!digest.IsEmptyBlob()) by_function[static_cast<size_t>(digest.function())].push_back(digest);
    }
    std::unordered_set<Digest, DigestHash> missing;
    for (const std::vector<Digest>& group : by_function) {
      for (size_t start = 0; start < group.size(); start += kFindMissingChunk) {
        const size_t end = std::min(group.size(), start + kFindMissingChunk);
        KILN_RETURN_IF_ERROR(AddMissing(std::span(group).subspan(start, end - start), missing));
      }
    }
    // In the caller's order, duplicates included, as the local stores answer.
    std::vector<Digest> result;
    for (const Digest& digest : digests) {
      if (missing.contains(digest)) result.push_back(digest);
    }
    return result;
  }

  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override {
    if (offset < 0 || offset > digest.size()) {
      return Status::OutOfRange("offset " + std::to_string(offset) + " is outside blob " + digest.ToString());
    }
    if (digest.IsEmptyBlob()) return NewInMemoryBlobReader("");
    if (offset == 0 && digest.size() <= remote_->options.batch_threshold_bytes) return BatchRead(digest);
    return OpenByteStreamReader(remote_, digest, offset);
  }

  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override {
    return NewRemoteBlobWriter(remote_, digest);
  }

  // Small blobs of one digest function in BatchReadBlobs calls of up to kBatchReadBytes;
  // the others one by one.
  std::vector<StatusOr<std::string>> ReadBlobs(const std::vector<Digest>& digests) override {
    std::vector<StatusOr<std::string>> blobs(digests.size(), Status::Ok());
    std::vector<size_t> batch;
    int64_t batch_bytes = 0;
    auto flush = [&] {
      if (!batch.empty()) BatchReadInto(digests, batch, blobs);
      batch.clear();
      batch_bytes = 0;
    };
    for (size_t i = 0; i < digests.size(); ++i) {
      const Digest& digest = digests[i];
      if (digest.IsEmptyBlob()) {
        blobs[i] = std::string();
      } else if (digest.size() > remote_->options.batch_threshold_bytes) {
        blobs[i] = ReadBlob(*this, digest);
      } else {
        if (!batch.empty() && (batch_bytes + digest.size() > kBatchReadBytes ||
                               digests[batch.front()].function() != digest.function())) {
          flush();
        }
        batch.push_back(i);
        batch_bytes += digest.size();
      }
    }
    flush();
    return blobs;
  }

  // Through the remote server's admin service: REAPI has no delete.
  Status Delete(const Digest& digest) override {
    kiln::admin::v1::BlobsRequest request;
    request.set_instance_name(remote_->options.instance_name);
    request.set_digest_function(ToProto(digest.function()));
    *request.add_digests() = ToProto(digest);
    kiln::admin::v1::DeleteBlobsResponse response;
    auto context = NewClientContext(remote_->options.rpc_timeout);
    const std::string what = "deleting blob " + digest.ToString() + " from the remote CAS";
    KILN_RETURN_IF_ERROR(FromGrpcStatus(remote_->admin->DeleteBlobs(context.get(), request, &response), what));
    if (response.blobs_size() != 1) return Status::Internal(what + ": the server answered for no blob");
    return FromRpcStatus(response.blobs(0).status(), what);
  }

 private:
  // Asks about digests of one function.
  Status AddMissing(std::span<const Digest> digests, std::unordered_set<Digest, DigestHash>& missing) {
    const DigestFunction function = digests.front().function();
    reapi::FindMissingBlobsRequest request;
    request.set_instance_name(remote_->options.instance_name);
    request.set_digest_function(ToProto(function));
    for (const Digest& digest : digests) *request.add_blob_digests() = ToProto(digest);
    reapi::FindMissingBlobsResponse response;
    auto context = NewClientContext(remote_->options.rpc_timeout);
    KILN_RETURN_IF_ERROR(FromGrpcStatus(remote_->cas->FindMissingBlobs(context.get(), request, &response),
                                        "asking the remote CAS which blobs it lacks"));
    for (const reapi::Digest& proto : response.missing_blob_digests()) {
      auto digest = FromProto(function, proto, "missing_blob_digests");
      if (digest.ok()) missing.insert(std::move(digest).value());
    }
    return Status::Ok();
  }

  // One BatchReadBlobs of digests[i] for each i of `batch` (one digest function), into blobs[i].
  void BatchReadInto(const std::vector<Digest>& digests, const std::vector<size_t>& batch,
                     std::vector<StatusOr<std::string>>& blobs) {
    const DigestFunction function = digests[batch.front()].function();
    reapi::BatchReadBlobsRequest request;
    request.set_instance_name(remote_->options.instance_name);
    request.set_digest_function(ToProto(function));
    for (size_t i : batch) *request.add_digests() = ToProto(digests[i]);
    reapi::BatchReadBlobsResponse response;
    auto context = NewClientContext(remote_->options.rpc_timeout);
    Status called = FromGrpcStatus(remote_->cas->BatchReadBlobs(context.get(), request, &response),
                                   "reading " + std::to_string(batch.size()) + " blobs from the remote CAS");
    for (size_t i : batch) blobs[i] = called.ok() ? Status::Internal("the remote CAS did not answer for blob " +
                                                                     digests[i].ToString())
                                                  : called;
    if (!called.ok()) return;
    // Answers are matched by digest: a server may answer in any order.
    std::unordered_map<Digest, std::vector<size_t>, DigestHash> waiting;
    for (size_t i : batch) waiting[digests[i]].push_back(i);
    for (auto& item : *response.mutable_responses()) {
      auto digest = FromProto(function, item.digest(), "responses.digest");
      if (!digest.ok()) continue;
      auto found = waiting.find(*digest);
      if (found == waiting.end() || found->second.empty()) continue;
      const size_t i = found->second.back();
      found->second.pop_back();
      const std::string context_text = "reading blob " + digest->ToString() + " from the remote CAS";
      Status status = FromRpcStatus(item.status(), context_text);
      if (status.ok() && item.compressor() != reapi::Compressor::IDENTITY) {
        status = Status::Internal(context_text + ": the server sent compressed data that was not asked for");
      }
      if (status.ok() && static_cast<int64_t>(item.data().size()) != digest->size()) {
        status = Status::DataLoss(context_text + ": received " + std::to_string(item.data().size()) + " bytes");
      }
      if (status.ok()) {
        blobs[i] = std::move(*item.mutable_data());
      } else {
        blobs[i] = status;
      }
    }
  }

  StatusOr<std::unique_ptr<BlobReader>> BatchRead(const Digest& digest) {
    const std::string context_text = "reading blob " + digest.ToString() + " from the remote CAS";
    reapi::BatchReadBlobsRequest request;
    request.set_instance_name(remote_->options.instance_name);
    request.set_digest_function(ToProto(digest.function()));
    *request.add_digests() = ToProto(digest);
    reapi::BatchReadBlobsResponse response;
    auto context = NewClientContext(remote_->options.rpc_timeout);
    KILN_RETURN_IF_ERROR(FromGrpcStatus(remote_->cas->BatchReadBlobs(context.get(), request, &response), context_text));
    if (response.responses_size() != 1) {
      return Status::Internal(context_text + ": BatchReadBlobs answered " + std::to_string(response.responses_size()) +
                              " items for 1 request");
    }
    auto& item = *response.mutable_responses(0);
    KILN_RETURN_IF_ERROR(FromRpcStatus(item.status(), context_text));
    if (item.compressor() != reapi::Compressor::IDENTITY) {
      return Status::Internal(context_text + ": the server sent compressed data that was not asked for");
    }
    if (static_cast<int64_t>(item.data().size()) != digest.size()) {
      return Status::DataLoss(context_text + ": received " + std::to_string(item.data().size()) + " bytes");
    }
    return NewInMemoryBlobReader(std::move(*item.mutable_data()));
  }

  std::shared_ptr<const RemoteCasStubs> remote_;
};

}  // namespace

std::unique_ptr<BlobStore> NewRemoteBlobStore(std::shared_ptr<grpc::Channel> channel,
                                              const RemoteBlobStoreOptions& options) {
  auto remote = std::make_shared<RemoteCasStubs>();
  remote->cas = reapi::ContentAddressableStorage::NewStub(channel);
  remote->bytestream = google::bytestream::ByteStream::NewStub(channel);
  remote->admin = kiln::admin::v1::AdminService::NewStub(channel);
  remote->options = options;
  return std::make_unique<RemoteBlobStore>(std::move(remote));
}

}  // namespace kiln
