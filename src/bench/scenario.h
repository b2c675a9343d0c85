// One kind of load `kiln bench` can put on a REAPI server. A scenario prepares everything
// its operations need before the clock starts (blobs uploaded, unique data generated and
// hashed), then starts operations one at a time when the load runner asks; each operation
// reports how it went exactly once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "common/clock.h"
#include "common/status.h"

namespace kiln {

// What a scenario's throughput is counted in.
enum class RateUnit { kOperations, kBytes };
// The machine limit a throughput is compared with.
enum class LimitKind { kNone, kSha256, kLoopbackTcp };

struct ScenarioInfo {
  std::string name;
  std::string description;
  RateUnit unit = RateUnit::kOperations;
  LimitKind limit = LimitKind::kNone;
  // Operations in flight at once; 0 means the --concurrency flag.
  int in_flight = 0;
  // For uploads that send only part of a blob (chunked uploads): the blob's size. The
  // report then sets the bytes sent against it.
  int64_t logical_bytes_per_op = 0;
};

struct OpResult {
  bool ok = true;
  std::string error;  // Set when !ok: what went wrong, for the report.
  int64_t bytes = 0;  // Payload moved, for byte-rate scenarios.

  static OpResult Success(int64_t bytes = 0) { return {true, "", bytes}; }
  static OpResult Failure(std::string error) { return {false, std::move(error), 0}; }
  // "CODE: message" of a failed call.
  static OpResult FromStatus(const grpc::Status& status);
};

using OpDone = std::function<void(OpResult)>;

class Scenario {
 public:
  virtual ~Scenario() = default;
  virtual ScenarioInfo info() const = 0;

  // Runs before the clock: uploads and pregenerates what operations over `duration` need.
  virtual Status Prepare(Duration duration) = 0;
  // Starts one operation on connection `slot`. `done` is called exactly once, usually on a
  // gRPC thread. Returns false (and never calls `done`) when the pregenerated data is used
  // up, which ends the run early.
  virtual bool Start(int slot, OpDone done) = 0;
};

// Every RPC the benchmark makes has this deadline, so a stuck server cannot hang a run.
void SetBenchDeadline(grpc::ClientContext& context);

}  // namespace kiln
