// ActionCache scenarios with results that name outputs, as a build's do: what a lookup
// costs once the server must check that every output is still in the CAS, and what
// storing a new result costs. (get_action_result_hit, in cas_scenarios.h, is the bare
// lookup of a result without outputs.)
#pragma once

#include <memory>

#include "bench/bench_target.h"
#include "bench/scenario.h"

namespace kiln {

// GetActionResult of a result naming 10 output files and stdout, all in the CAS.
std::unique_ptr<Scenario> NewGetActionResultOutputsScenario(BenchTarget* target);
// UpdateActionResult of such a result, for a new action digest each call.
std::unique_ptr<Scenario> NewUpdateActionResultScenario(BenchTarget* target);

}  // namespace kiln
