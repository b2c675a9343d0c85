#include "cas/replicated_blob_store.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "cas/digest_verifier.h"
#include "cas/memory_reader.h"
#include "cas/node_transfer.h"
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

// One FindMissing round: the digests to ask each node about, and what it answered.
struct LookupRound {
  std::vector<std::vector<size_t>> asked;  // Per node: indexes into the unique digests.
  std::vector<Status> results;             // Per node.
  std::vector<std::unordered_set<Digest, DigestHash>> missing;  // Per node, when it answered.
};

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
}

ReplicatedBlobStore::~ReplicatedBlobStore() = default;

std::vector<Digest> ReplicatedBlobStore::FindMissing(const std::vector<Digest>& digests) {
  auto missing = FindMissingOrError(digests);
  if (missing.ok()) return std::move(missing).value();
  // Blobs no node could answer for are reported missing: the caller uploads them, and the
  // upload reports the real error.
  std::vector<Digest> all;
  for (const Digest& digest : digests) {
    if (!digest.IsEmptyBlob()) all.push_back(digest);
  }
  return all;
}

StatusOr<std::vector<Digest>> ReplicatedBlobStore::FindMissingOrError(const std::vector<Digest>& digests) {
  std::vector<Digest> unique;
  std::unordered_map<Digest, size_t, DigestHash> index;
  for (const Digest& digest : digests) {
    if (!digest.IsEmptyBlob() && index.try_emplace(digest, unique.size()).second) unique.push_back(digest);
  }
  const size_t node_count = nodes_->size();
  std::vector<std::vector<size_t>> orders(unique.size());
  std::vector<bool> present(unique.size(), false), answered(unique.size(), false), owner_failed(unique.size(), false);
  std::vector<bool> node_failed(node_count, false);
  Status first_error;

  auto ask = [&](const std::vector<std::vector<size_t>>& asked) {
    std::vector<NodeCall> calls;
    std::vector<size_t> call_node;
    std::vector<std::shared_ptr<std::vector<Digest>>> answers;
    for (size_t node = 0; node < node_count; ++node) {
      if (asked[node].empty()) continue;
      auto question = std::make_shared<std::vector<Digest>>();
      for (size_t i : asked[node]) question->push_back(unique[i]);
      auto answer = std::make_shared<std::vector<Digest>>();
      calls.push_back({node, [question, answer](BlobStore& store) {
                         auto missing = store.FindMissingOrError(*question);
                         if (!missing.ok()) return missing.status();
                         *answer = std::move(missing).value();
                         return Status::Ok();
                       }});
      call_node.push_back(node);
      answers.push_back(answer);
    }
    std::vector<Status> results = nodes_->Run(std::move(calls), options_.timeouts.call);
    for (size_t c = 0; c < results.size(); ++c) {
      const size_t node = call_node[c];
      if (!results[c].ok()) {
        node_failed[node] = true;
        if (first_error.ok()) first_error = results[c];
        for (size_t i : asked[node]) {
          if (std::find(orders[i].begin(), orders[i].begin() + options_.replicas, node) !=
              orders[i].begin() + options_.replicas) {
            owner_failed[i] = true;
          }
        }
        continue;
      }
      std::unordered_set<Digest, DigestHash> missing(answers[c]->begin(), answers[c]->end());
      for (size_t i : asked[node]) {
        answered[i] = true;
        if (!missing.contains(unique[i])) present[i] = true;
      }
    }
  };

  // First the owners; then, for blobs an owner could not answer for, every other node that
  // answers (a write that found an owner down put its copy further along the order).
  std::vector<std::vector<size_t>> asked(node_count);
  for (size_t i = 0; i < unique.size(); ++i) {
    orders[i] = nodes_->ring().Order(unique[i]);
    for (size_t r = 0; r < options_.replicas; ++r) asked[orders[i][r]].push_back(i);
  }
  ask(asked);
  asked.assign(node_count, {});
  bool again = false;
  for (size_t i = 0; i < unique.size(); ++i) {
    if (present[i] || !owner_failed[i]) continue;
    for (size_t r = options_.replicas; r < node_count; ++r) {
      if (!node_failed[orders[i][r]]) {
        asked[orders[i][r]].push_back(i);
        again = true;
      }
    }
  }
  if (again) ask(asked);

  std::unordered_set<Digest, DigestHash> missing;
  for (size_t i = 0; i < unique.size(); ++i) {
    if (present[i]) continue;
    if (!answered[i]) {
      return Status::Unavailable("no storage node that may hold blob " + unique[i].ToString() +
                                 " answered: " + first_error.message());
    }
    missing.insert(unique[i]);
  }
  std::vector<Digest> result;
  for (const Digest& digest : digests) {
    if (missing.contains(digest)) result.push_back(digest);
  }
  return result;
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
  const std::vector<size_t> order = nodes_->ring().Order(digest);
  Attempts attempts;
  for (size_t node : order) {
    auto data = std::make_shared<std::string>();
    Status read = nodes_->RunOne(
        node,
        [digest, data](BlobStore& store) {
          auto blob = ReadBlob(store, digest);
          if (!blob.ok()) return blob.status();
          Hasher hasher(digest.function());
          hasher.Update(*blob);
          if (hasher.FinishHex() != digest.hash()) {
            return Status::DataLoss("its copy of blob " + digest.ToString() + " does not match the digest");
          }
          *data = std::move(blob).value();
          return Status::Ok();
        },
        options_.timeouts.transfer);
    if (read.ok()) {
      RepairOwners(digest, order, attempts, node);
      return std::unique_ptr<BlobReader>(std::make_unique<MemoryReader>(std::move(data), static_cast<size_t>(offset)));
    }
    if (!IsNodeFailure(read)) return read;
    attempts.failed.emplace_back(node, read);
  }
  return ReadFailure(digest, order, attempts);
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

}  // namespace kiln
