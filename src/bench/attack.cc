#include "bench/attack.h"

#include "bench/scenario.h"

namespace kiln {

void AttackTally::Refused(const grpc::Status& status) {
  ++refused_;
  std::lock_guard lock(mutex_);
  if (first_refusal_.empty()) first_refusal_ = OpResult::FromStatus(status).error;
}

void AttackTally::Refused(const Status& status) {
  ++refused_;
  std::lock_guard lock(mutex_);
  if (first_refusal_.empty()) first_refusal_ = status.ToString();
}

std::string AttackTally::first_refusal() const {
  std::lock_guard lock(mutex_);
  return first_refusal_;
}

}  // namespace kiln
