// Scenarios on the ContentAddressableStorage and ActionCache services: FindMissingBlobs
// over present and over missing digests, GetActionResult hits, and batch reads and
// writes of small blobs.
#pragma once

#include <memory>

#include "bench/bench_target.h"
#include "bench/scenario.h"

namespace kiln {

// FindMissingBlobs of 1000 digests that are all present (uploaded during Prepare).
std::unique_ptr<Scenario> NewFindMissingPresentScenario(BenchTarget* target);
// FindMissingBlobs of 1000 well-formed digests that no one uploaded.
std::unique_ptr<Scenario> NewFindMissingMissingScenario(BenchTarget* target);
// GetActionResult of an entry stored with UpdateActionResult during Prepare.
std::unique_ptr<Scenario> NewGetActionResultHitScenario(BenchTarget* target);
std::unique_ptr<Scenario> NewGetCapabilitiesScenario(BenchTarget* target);
// BatchReadBlobs of 100 present 4 KiB blobs.
std::unique_ptr<Scenario> NewBatchReadScenario(BenchTarget* target);
// BatchReadBlobs of 100 unique 4 KiB blobs uploaded during Prepare, each read once.
std::unique_ptr<Scenario> NewBatchReadColdScenario(BenchTarget* target);
// BatchUpdateBlobs of 100 new, unique 4 KiB blobs per call.
std::unique_ptr<Scenario> NewBatchUpdateScenario(BenchTarget* target);

}  // namespace kiln
