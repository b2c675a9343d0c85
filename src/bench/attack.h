// One way a hostile or careless client can go at a REAPI server, for `kiln attack`: it makes
// its hostile requests over the public API until told to stop, then lets go of whatever it
// holds. The attack command meanwhile measures whether everyone else is still served
// (responsiveness_probe.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>

#include "common/status.h"

namespace kiln {

struct AttackInfo {
  std::string name;
  std::string description;
};

// What an attack's requests met. Thread-safe.
class AttackTally {
 public:
  void Sent() { ++sent_; }
  // A request the server turned down (any error status): the first one is kept for the
  // report, as "CODE: message".
  void Refused(const grpc::Status& status);
  void Refused(const Status& status);
  int64_t sent() const { return sent_.load(); }
  int64_t refused() const { return refused_.load(); }
  std::string first_refusal() const;

 private:
  std::atomic<int64_t> sent_{0}, refused_{0};
  mutable std::mutex mutex_;
  std::string first_refusal_;
};

class Attack {
 public:
  virtual ~Attack() = default;
  virtual AttackInfo info() const = 0;
  // Before the clock: data the attack sends (uploads its action's inputs, say).
  virtual Status Prepare() { return Status::Ok(); }
  // Attacks until `stop`, then cancels its calls and returns (within a few seconds).
  virtual void Run(const std::atomic<bool>& stop, AttackTally& tally) = 0;
};

}  // namespace kiln
