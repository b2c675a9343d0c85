#include "cas/digest_verifier.h"

namespace kiln {

Status DigestVerifier::Update(std::string_view data) {
  bytes_seen_ += static_cast<int64_t>(data.size());
  if (bytes_seen_ > expected_.size()) {
    return Status::InvalidArgument("received more than the " + std::to_string(expected_.size()) +
                                   " bytes declared for blob " + expected_.ToString());
  }
  if (hash_) hasher_.Update(data);
  return Status::Ok();
}

Status DigestVerifier::Finish() {
  if (bytes_seen_ != expected_.size()) {
    return Status::InvalidArgument("blob " + expected_.ToString() + " declared " + std::to_string(expected_.size()) +
                                   " bytes but " + std::to_string(bytes_seen_) + " were received");
  }
  if (!hash_) return Status::Ok();
  std::string actual = hasher_.FinishHex();
  if (actual != expected_.hash()) {
    return Status::InvalidArgument("data for blob " + expected_.ToString() + " hashes to " + actual +
                                   " with " + std::string(DigestFunctionName(expected_.function())));
  }
  return Status::Ok();
}

}  // namespace kiln
