#include "cas/replicated_blob_reader.h"

namespace kiln {

ReplicatedBlobReader::ReplicatedBlobReader(ReplicaNodes& nodes, ReplicaRepairer& repairer, const Digest& digest,
                                           int64_t offset, std::vector<size_t> order, std::set<size_t> tried,
                                           std::unique_ptr<NodeBlobReader> current, ReplicaTimeouts timeouts)
    : nodes_(nodes),
      repairer_(repairer),
      digest_(digest),
      order_(std::move(order)),
      timeouts_(timeouts),
      tried_(std::move(tried)),
      current_(std::move(current)),
      position_(offset) {
  tried_.insert(current_->node());
  if (offset == 0) hasher_.emplace(digest.function(), digest.size());
}

StatusOr<size_t> ReplicatedBlobReader::Read(char* buffer, size_t max) {
  if (max == 0) return size_t{0};
  while (true) {
    if (position_ == digest_.size()) return size_t{0};
    auto n = current_->Read(buffer, max, timeouts_.transfer);
    Status failure;
    if (!n.ok()) {
      failure = n.status();
    } else if (*n == 0) {
      failure = Status::DataLoss("storage node " + nodes_.name(current_->node()) + " ended blob " +
                                 digest_.ToString() + " after " + std::to_string(position_) + " bytes");
    } else if (position_ + static_cast<int64_t>(*n) > digest_.size()) {
      failure = Status::DataLoss("storage node " + nodes_.name(current_->node()) + " sent more bytes than blob " +
                                 digest_.ToString() + " has");
    } else {
      served_.insert(current_->node());
      KILN_RETURN_IF_ERROR(Account(buffer, *n));
      return n;
    }
    if (!IsNodeFailure(failure)) return failure;
    KILN_RETURN_IF_ERROR(Resume(failure));
  }
}

Status ReplicatedBlobReader::VerifyRemainder() {
  if (!hasher_) return Status::Ok();
  std::vector<char> scratch(1 << 20);
  while (position_ < digest_.size()) {
    auto n = Read(scratch.data(), scratch.size());
    if (!n.ok()) return n.status();
  }
  return Status::Ok();
}

Status ReplicatedBlobReader::Account(const char* buffer, size_t n) {
  position_ += static_cast<int64_t>(n);
  if (!hasher_) return Status::Ok();
  hasher_->Update(std::string_view(buffer, n));
  if (position_ < digest_.size()) return Status::Ok();
  if (hasher_->FinishHex() == digest_.hash()) return Status::Ok();
  hasher_.reset();
  for (size_t node : served_) repairer_.Schedule(digest_, node, std::nullopt, /*rewrite=*/true);
  return Status::DataLoss("the bytes of blob " + digest_.ToString() +
                          " served by the storage nodes do not match its digest; they will be rewritten from "
                          "another replica: read it again");
}

Status ReplicatedBlobReader::Resume(const Status& failure) {
  failures_.push_back(failure.message());
  // A node that lost or spoilt its copy gets it back; one that is down is someone else's
  // concern (the handoff pass, once it is back).
  if (failure.code() == StatusCode::kDataLoss) {
    repairer_.Schedule(digest_, current_->node(), std::nullopt, /*rewrite=*/true);
  }
  for (size_t node : order_) {
    if (!tried_.insert(node).second) continue;
    auto next = NodeBlobReader::Open(nodes_, node, digest_, position_, timeouts_.call);
    if (next.ok()) {
      current_ = std::move(next).value();
      return Status::Ok();
    }
    failures_.push_back(next.status().message());
  }
  std::string message = "no storage node could serve blob " + digest_.ToString() + " from offset " +
                         std::to_string(position_);
  for (size_t i = 0; i < failures_.size(); ++i) message += (i == 0 ? ": " : "; ") + failures_[i];
  return Status(failure.code() == StatusCode::kDataLoss ? StatusCode::kDataLoss : StatusCode::kUnavailable, message);
}

}  // namespace kiln
