#include "cas/replicated_blob_writer.h"

#include <algorithm>

namespace kiln {

StatusOr<std::unique_ptr<BlobWriter>> ReplicatedBlobWriter::Open(ReplicaNodes& nodes, ReplicaRepairer& repairer,
                                                                 const Digest& digest, size_t replicas,
                                                                 ReplicaTimeouts timeouts) {
  std::unique_ptr<ReplicatedBlobWriter> writer(
      new ReplicatedBlobWriter(nodes, repairer, digest, replicas, timeouts, nodes.ring().Order(digest)));
  writer->OpenReplicas();
  if (writer->writers_.size() < replicas) return writer->NotEnoughCopies(writer->writers_.size());
  return std::unique_ptr<BlobWriter>(std::move(writer));
}

void ReplicatedBlobWriter::OpenReplicas() {
  while (writers_.size() < replicas_ && next_ < order_.size()) {
    const size_t wanted = std::min(replicas_ - writers_.size(), order_.size() - next_);
    std::vector<size_t> batch(order_.begin() + next_, order_.begin() + next_ + wanted);
    next_ += wanted;
    for (auto& opened : NodeBlobWriter::OpenAll(nodes_, batch, digest_, timeouts_.call)) {
      if (opened.status.ok()) {
        writers_.push_back(std::move(opened.writer));
      } else {
        RecordFailure(opened.status);
      }
    }
  }
}

namespace {
constexpr size_t kPieceBytes = 1 << 20;
}  // namespace

Status ReplicatedBlobWriter::Write(std::string_view data) {
  if (!failed_.ok()) return failed_;
  bytes_written_ += static_cast<int64_t>(data.size());
  if (bytes_written_ > digest_.size()) {
    return failed_ = Status::InvalidArgument("more bytes written than the " + std::to_string(digest_.size()) +
                                             " of blob " + digest_.ToString());
  }
  // A large chunk goes on as it is; small ones gather into a piece.
  if (pending_.empty() && data.size() >= kPieceBytes) {
    pending_.assign(data);
    return Flush();
  }
  while (!data.empty()) {
    const size_t take = std::min(kPieceBytes - pending_.size(), data.size());
    pending_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (pending_.size() >= kPieceBytes) KILN_RETURN_IF_ERROR(Flush());
  }
  return Status::Ok();
}

Status ReplicatedBlobWriter::Flush() {
  if (pending_.empty()) return Status::Ok();
  auto chunk = std::make_shared<const std::string>(std::move(pending_));
  pending_.clear();
  std::vector<NodeCall> calls;
  for (auto& writer : writers_) calls.push_back(writer->WriteCall(chunk));
  std::vector<Status> results = nodes_.Run(std::move(calls), timeouts_.transfer);
  std::vector<std::unique_ptr<NodeBlobWriter>> going;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok()) {
      going.push_back(std::move(writers_[i]));
    } else if (!IsNodeFailure(results[i])) {
      return failed_ = results[i];  // The data is wrong, not the node.
    } else {
      RecordFailure(results[i]);
    }
  }
  writers_ = std::move(going);
  // With one replica left the upload goes on: Commit copies it onto other nodes.
  if (writers_.empty()) return failed_ = NotEnoughCopies(0);
  return Status::Ok();
}

Status ReplicatedBlobWriter::Commit() {
  if (!failed_.ok()) return failed_;
  KILN_RETURN_IF_ERROR(Flush());
  std::vector<NodeCall> calls;
  for (auto& writer : writers_) calls.push_back(writer->CommitCall());
  std::vector<Status> results = nodes_.Run(std::move(calls), timeouts_.transfer);
  std::vector<size_t> committed;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok()) {
      committed.push_back(writers_[i]->node());
    } else if (!IsNodeFailure(results[i])) {
      failed_ = results[i];  // Bytes that do not match the digest: every replica says so.
    } else {
      RecordFailure(results[i]);
    }
  }
  writers_.clear();
  if (!failed_.ok()) return failed_;
  if (committed.empty()) return failed_ = NotEnoughCopies(0);
  if (committed.size() < replicas_) TopUp(committed);
  if (committed.size() < replicas_) return failed_ = NotEnoughCopies(committed.size());
  // Owners that did not get their copy get it later, from the handoff pass.
  for (size_t i = 0; i < replicas_ && i < order_.size(); ++i) {
    if (std::find(committed.begin(), committed.end(), order_[i]) == committed.end()) {
      repairer_.AddHint(digest_, order_[i]);
    }
  }
  return Status::Ok();
}

void ReplicatedBlobWriter::TopUp(std::vector<size_t>& committed) {
  while (committed.size() < replicas_ && next_ < order_.size()) {
    const size_t target = order_[next_++];
    NodeCopyResult copy = CopyBetweenNodes(nodes_, digest_, committed.front(), target, timeouts_.call,
                                           timeouts_.transfer);
    if (copy.status.ok()) {
      committed.push_back(target);
    } else {
      RecordFailure(copy.status);
    }
  }
}

Status ReplicatedBlobWriter::NotEnoughCopies(size_t copies) const {
  std::string message = "blob " + digest_.ToString() + " needs " + std::to_string(replicas_) + " copies, but only " +
                        std::to_string(copies) + " of the " + std::to_string(order_.size()) +
                        " storage nodes could take it";
  for (size_t i = 0; i < failures_.size(); ++i) message += (i == 0 ? ": " : "; ") + failures_[i];
  return Status::Unavailable(message);
}

}  // namespace kiln
