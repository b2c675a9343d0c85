// Scenarios on the ByteStream service: reads of one large present blob (or of unique ones,
// each read once) and uploads of unique large blobs, each streamed in 1 MiB messages
// through gRPC's callback API.
#pragma once

#include <memory>

#include "bench/bench_target.h"
#include "bench/scenario.h"

namespace kiln {

// ByteStream Read of a 16 MiB blob uploaded during Prepare.
std::unique_ptr<Scenario> NewByteStreamReadScenario(BenchTarget* target);
// ByteStream Read of unique 16 MiB blobs uploaded during Prepare, each read once.
std::unique_ptr<Scenario> NewByteStreamReadColdScenario(BenchTarget* target);
// ByteStream Write of unique 8 MiB blobs, 4 uploads at a time (as 4 separate clients).
std::unique_ptr<Scenario> NewByteStreamWriteScenario(BenchTarget* target);

}  // namespace kiln
