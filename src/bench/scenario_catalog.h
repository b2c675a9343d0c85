// Every scenario `kiln bench` knows, by name, in the order a full run goes through them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench/bench_target.h"
#include "bench/scenario.h"

namespace kiln {

const std::vector<std::string>& AllScenarioNames();
// "a,b,c" -> names; empty text means all. INVALID_ARGUMENT naming an unknown scenario.
StatusOr<std::vector<std::string>> ParseScenarioList(const std::string& text);
// REQUIRES: `name` is one of AllScenarioNames().
std::unique_ptr<Scenario> NewScenario(const std::string& name, BenchTarget* target);

}  // namespace kiln
