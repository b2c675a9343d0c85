#include "bench/scenario_catalog.h"

#include <functional>
#include <utility>

#include "bench/action_cache_scenarios.h"
#include "bench/bytestream_scenarios.h"
#include "bench/cas_scenarios.h"
#include "bench/chunked_upload_scenario.h"
#include "bench/execute_scenarios.h"
#include "bench/name_list.h"

namespace kiln {
namespace {

using Factory = std::function<std::unique_ptr<Scenario>(BenchTarget*)>;

const std::vector<std::pair<std::string, Factory>>& Catalog() {
  static const auto* catalog = new std::vector<std::pair<std::string, Factory>>{
      {"find_missing_present", NewFindMissingPresentScenario},
      {"find_missing_missing", NewFindMissingMissingScenario},
      {"get_capabilities", NewGetCapabilitiesScenario},
      {"get_action_result_hit", NewGetActionResultHitScenario},
      {"get_action_result_outputs", NewGetActionResultOutputsScenario},
      {"update_action_result", NewUpdateActionResultScenario},
      {"batch_read", NewBatchReadScenario},
      {"batch_read_cold", NewBatchReadColdScenario},
      {"batch_update", NewBatchUpdateScenario},
      {"bytestream_read", NewByteStreamReadScenario},
      {"bytestream_read_cold", NewByteStreamReadColdScenario},
      {"bytestream_write", NewByteStreamWriteScenario},
      {"chunked_reupload", NewChunkedReuploadScenario},
      {"execute_uncached", [](BenchTarget* t) { return NewExecuteUncachedScenario(t, ExecuteStreams::kOne); }},
      {"execute_uncached_parallel",
       [](BenchTarget* t) { return NewExecuteUncachedScenario(t, ExecuteStreams::kConcurrency); }},
      {"execute_cached", [](BenchTarget* t) { return NewExecuteCachedScenario(t, ExecuteStreams::kOne); }},
      {"execute_cached_parallel",
       [](BenchTarget* t) { return NewExecuteCachedScenario(t, ExecuteStreams::kConcurrency); }},
  };
  return *catalog;
}

}  // namespace

const std::vector<std::string>& AllScenarioNames() {
  static const auto* names = [] {
    auto* list = new std::vector<std::string>;
    for (const auto& entry : Catalog()) list->push_back(entry.first);
    return list;
  }();
  return *names;
}

StatusOr<std::vector<std::string>> ParseScenarioList(const std::string& text) {
  return ParseNameList(text, AllScenarioNames(), "scenario");
}

std::unique_ptr<Scenario> NewScenario(const std::string& name, BenchTarget* target) {
  for (const auto& [known, factory] : Catalog()) {
    if (known == name) return factory(target);
  }
  return nullptr;
}

}  // namespace kiln
