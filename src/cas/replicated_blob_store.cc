#include "cas/replicated_blob_store.h"

#include <algorithm>

#include "cas/digest_verifier.h"
#include "cas/memory_reader.h"
#include "cas/node_transfer.h"
#include "cas/replica_lookup.h"
#include "cas/replicated_blob_reader.h"
#include "cas/replicated_blob_writer.h"
#include "common/hasher.h"

namespace kiln {
namespace {

// The empty blob is always present (REAPI): its upload needs no node, only a check that
// nothing was written.
class EmptyBlobWriter final : public BlobWriter {
 public:
  explicit EmptyBlobWriter(const Digest& digest) : verifier_(digest) {}
  Status Write(std::string_view data) override { return verifier_.Update(data); }
  int64_t bytes_written() const override { return verifier_.bytes_seen(); }
  Status Commit() override { return verifier_.Finish(); }

 private:
  DigestVerifier verifier_;
};

// Whether a node's answer means it lacks the blob (rather than that it could not answer).
bool Lacks(const Status& status) {
  return status.code() == StatusCode::kNotFound || status.code() == StatusCode::kDataLoss;
}

}  // namespace

struct ReplicatedBlobStore::Attempts {
  std::vector<std::pair<size_t, Status>> failed;  // Node, and why, in the order tried.
  const Status* Of(size_t node) const {
    for (const auto& [tried, status] : failed) {
      if (tried == node) return &status;
    }
    return nullptr;
  }
};

StatusOr<std::unique_ptr<ReplicatedBlobStore>> ReplicatedBlobStore::Create(std::vector<ReplicatedNode> nodes,
                                                                           ReplicatedBlobStoreOptions options) {
  if (options.replicas == 0) return Status::InvalidArgument("the replication factor must be at least 1");
  std::vector<RingNode> ring_nodes;
  std::vector<BlobStore*> stores;
  for (const ReplicatedNode& node : nodes) {
    if (node.store == nullptr) return Status::InvalidArgument("storage node " + node.ring_node.name + " has no store");
    ring_nodes.push_back(node.ring_node);
    stores.push_back(node.store);
  }
  auto ring = RendezvousRing::Create(std::move(ring_nodes));
  if (!ring.ok()) return ring.status();
  options.replicas = std::min(options.replicas, stores.size());
  auto replica_nodes = std::make_unique<ReplicaNodes>(std::move(ring).value(), std::move(stores), options.limits);
  return std::unique_ptr<ReplicatedBlobStore>(new ReplicatedBlobStore(std::move(replica_nodes), options));
}

ReplicatedBlobStore::ReplicatedBlobStore(std::unique_ptr<ReplicaNodes> nodes, ReplicatedBlobStoreOptions options)
    : options_(options), nodes_(std::move(nodes)) {
  options_.repair.call_timeout = options_.timeouts.call;
  options_.repair.transfer_timeout = options_.timeouts.transfer;
  repairer_ = std::make_unique<ReplicaRepairer>(*nodes_, options_.repair);
  ReplicaNodes* counted = nodes_.get();
  presence_ = std::make_unique<PresenceRecord>(options_.presence,
                                               [counted](size_t node) { return counted->failures(node); });
  trust_ = std::make_unique<FirstOwnerTrust>(*nodes_, options_.clock, options_.first_owner_trust);
}

ReplicatedBlobStore::~ReplicatedBlobStore() = default;

// Blobs no node could answer for are reported missing.
std::vector<Digest> ReplicatedBlobStore::FindMissing(const std::vector<Digest>& digests) {
  return MissingOrAll(FindMissingOrError(digests), digests);
}

StatusOr<std::vector<Digest>> ReplicatedBlobStore::FindMissingOrError(const std::vector<Digest>& digests) {
  return FindMissingOnReplicas(*nodes_, options_.replicas, digests, options_.timeouts.call,
                               {presence_.get(), options_.clock, /*answer_from_record=*/true, trust_.get()});
}

std::vector<Digest> ReplicatedBlobStore::FindMissingConfirmed(const std::vector<Digest>& digests) {
  return MissingOrAll(FindMissingOnReplicas(*nodes_, options_.replicas, digests, options_.timeouts.call,
                                            {presence_.get(), options_.clock, /*answer_from_record=*/false}),
                      digests);
}

StatusOr<std::unique_ptr<BlobReader>> ReplicatedBlobStore::OpenRead(const Digest& digest, int64_t offset) {
  if (offset < 0 || offset > digest.size()) {
    return Status::OutOfRange("offset " + std::to_string(offset) + " is outside blob " + digest.ToString());
  }
  if (digest.IsEmptyBlob()) {
    return std::unique_ptr<BlobReader>(std::make_unique<MemoryReader>(std::make_shared<const std::string>(), 0));
  }
  if (digest.size() <= options_.whole_read_bytes) return ReadWhole(digest, offset);
  return OpenStream(digest, offset);
}

StatusOr<std::unique_ptr<BlobReader>> ReplicatedBlobStore::ReadWhole(const Digest& digest, int64_t offset) {
  auto data = ReadSmall(digest, Attempts());
  if (!data.ok()) return data.status();
  return std::unique_ptr<BlobReader>(std::make_unique<MemoryReader>(
      std::make_shared<const std::string>(std::move(data).value()), static_cast<size_t>(offset)));
}

// Whether `data` is the blob `digest` names.
namespace {
Status CheckCopy(const Digest& digest, const std::string& data) {
  Hasher hasher(digest.function(), digest.size());
  hasher.Update(data);
  if (hasher.FinishHex() != digest.hash()) {
    return Status::DataLoss("its copy of blob " + digest.ToString() + " does not match the digest");
  }
  return Status::Ok();
}
}  // namespace

StatusOr<std::string> ReplicatedBlobStore::ReadSmall(const Digest& digest, Attempts attempts) {
  const std::vector<size_t> order = nodes_->ring().Order(digest);
  for (size_t node : order) {
    if (attempts.Of(node) != nullptr) continue;  // Tried already, by the caller.
    auto data = std::make_shared<std::string>();
    Status read = nodes_->RunOne(
        node,
        [digest, data](BlobStore& store) {
          auto blob = ReadBlob(store, digest);
          if (!blob.ok()) return blob.status();
          KILN_RETURN_IF_ERROR(CheckCopy(digest, *blob));
          *data = std::move(blob).value();
          return Status::Ok();
        },
        options_.timeouts.transfer);
    if (read.ok()) {
      RepairOwners(digest, order, attempts, node);
      return std::move(*data);
    }
    if (!IsNodeFailure(read)) return read;
    attempts.failed.emplace_back(node, read);
  }
  return ReadFailure(digest, order, attempts);
}

std::vector<StatusOr<std::string>> ReplicatedBlobStore::ReadBlobs(const std::vector<Digest>& digests) {
  std::vector<StatusOr<std::string>> blobs(digests.size(), Status::Ok());
  std::vector<Attempts> attempts(digests.size());
  std::vector<bool> done(digests.size(), false);
  // One batched read per node, of the small blobs it is the first owner of, all at once.
  std::vector<std::vector<size_t>> asked(nodes_->size());
  for (size_t i = 0; i < digests.size(); ++i) {
    if (digests[i].IsEmptyBlob()) {
      blobs[i] = std::string();
      done[i] = true;
    } else if (digests[i].size() <= options_.whole_read_bytes) {
      asked[nodes_->ring().Primary(digests[i])].push_back(i);
    }
  }
  std::vector<NodeCall> calls;
  std::vector<size_t> called;
  std::vector<std::shared_ptr<std::vector<StatusOr<std::string>>>> answers;
  for (size_t node = 0; node < asked.size(); ++node) {
    if (asked[node].empty()) continue;
    // The call's own copies: one abandoned past its deadline may outlive this one.
    auto question = std::make_shared<std::vector<Digest>>();
    for (size_t i : asked[node]) question->push_back(digests[i]);
    auto answer = std::make_shared<std::vector<StatusOr<std::string>>>();
    calls.push_back({node, [question, answer](BlobStore& store) {
                       *answer = store.ReadBlobs(*question);
                       return answer->size() == question->size()
                                  ? Status::Ok()
                                  : Status::Internal("the node answered for " + std::to_string(answer->size()) +
                                                     " of " + std::to_string(question->size()) + " blobs");
                     }});
    called.push_back(node);
    answers.push_back(std::move(answer));
  }
  const std::vector<Status> results = nodes_->Run(std::move(calls), options_.timeouts.transfer);
  for (size_t c = 0; c < results.size(); ++c) {
    const std::vector<size_t>& questions = asked[called[c]];
    for (size_t k = 0; k < questions.size(); ++k) {
      const size_t i = questions[k];
      Status status = results[c];
      if (status.ok()) {
        StatusOr<std::string>& blob = (*answers[c])[k];
        status = blob.ok() ? CheckCopy(digests[i], *blob) : blob.status();
        if (status.ok()) {
          blobs[i] = std::move(blob).value();
          done[i] = true;
          continue;
        }
      }
      if (!IsNodeFailure(status)) {
        blobs[i] = status;
        done[i] = true;
      } else {
        attempts[i].failed.emplace_back(called[c], status);
      }
    }
  }
  // The rest one by one, along their orders, past the nodes that failed them here.
  for (size_t i = 0; i < digests.size(); ++i) {
    if (done[i]) continue;
    if (digests[i].size() > options_.whole_read_bytes) {
      blobs[i] = ReadBlob(*this, digests[i]);
    } else {
      blobs[i] = ReadSmall(digests[i], std::move(attempts[i]));
    }
  }
  return blobs;
}

StatusOr<std::unique_ptr<BlobReader>> ReplicatedBlobStore::OpenStream(const Digest& digest, int64_t offset) {
  const std::vector<size_t> order = nodes_->ring().Order(digest);
  Attempts attempts;
  std::set<size_t> tried;
  for (size_t node : order) {
    tried.insert(node);
    auto reader = NodeBlobReader::Open(*nodes_, node, digest, offset, options_.timeouts.call);
    if (reader.ok()) {
      RepairOwners(digest, order, attempts, node);
      return std::unique_ptr<BlobReader>(std::make_unique<ReplicatedBlobReader>(
          *nodes_, *repairer_, digest, offset, order, std::move(tried), std::move(reader).value(), options_.timeouts));
    }
    if (!IsNodeFailure(reader.status())) return reader.status();
    attempts.failed.emplace_back(node, reader.status());
  }
  return ReadFailure(digest, order, attempts);
}

void ReplicatedBlobStore::RepairOwners(const Digest& digest, const std::vector<size_t>& order,
                                       const Attempts& attempts, size_t source) {
  for (size_t r = 0; r < options_.replicas; ++r) {
    const Status* failure = attempts.Of(order[r]);
    if (failure == nullptr) continue;
    if (Lacks(*failure)) {
      repairer_->Schedule(digest, order[r], source, /*rewrite=*/failure->code() == StatusCode::kDataLoss);
    } else {
      repairer_->AddHint(digest, order[r]);
    }
  }
}

Status ReplicatedBlobStore::ReadFailure(const Digest& digest, const std::vector<size_t>& order,
                                        const Attempts& attempts) const {
  bool owners_lack = true;
  for (size_t r = 0; r < options_.replicas; ++r) {
    const Status* failure = attempts.Of(order[r]);
    if (failure == nullptr || !Lacks(*failure)) owners_lack = false;
  }
  if (owners_lack) return Status::NotFound("blob " + digest.ToString() + " is not in the CAS");
  std::string message = "no storage node could serve blob " + digest.ToString();
  for (size_t i = 0; i < attempts.failed.size(); ++i) {
    message += (i == 0 ? ": " : "; ") + attempts.failed[i].second.message();
  }
  return Status::Unavailable(message);
}

StatusOr<std::unique_ptr<BlobWriter>> ReplicatedBlobStore::OpenWrite(const Digest& digest) {
  if (digest.IsEmptyBlob()) return std::unique_ptr<BlobWriter>(std::make_unique<EmptyBlobWriter>(digest));
  return ReplicatedBlobWriter::Open(*nodes_, *repairer_, digest, options_.replicas, options_.timeouts);
}

Status ReplicatedBlobStore::Delete(const Digest& digest) {
  std::vector<NodeCall> calls;
  for (size_t node = 0; node < nodes_->size(); ++node) {
    calls.push_back({node, [digest](BlobStore& store) { return store.Delete(digest); }});
  }
  bool deleted = false;
  Status failure;
  const std::vector<Status> results = nodes_->Run(std::move(calls), options_.timeouts.call);
  presence_->Forget(digest);
  for (const Status& status : results) {
    if (status.ok()) {
      deleted = true;
    } else if (status.code() != StatusCode::kNotFound && failure.ok()) {
      failure = status;
    }
  }
  if (!failure.ok()) return failure;
  return deleted ? Status::Ok() : Status::NotFound("blob " + digest.ToString() + " is not stored on any node");
}

}  // namespace kiln
