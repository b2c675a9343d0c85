#include "bench/attack_catalog.h"

#include <functional>
#include <utility>

#include "bench/execution_attacks.h"
#include "bench/name_list.h"
#include "bench/stream_attacks.h"

namespace kiln {
namespace {

using Factory = std::function<std::unique_ptr<Attack>(BenchTarget*)>;

const std::vector<std::pair<std::string, Factory>>& Catalog() {
  static const auto* catalog = new std::vector<std::pair<std::string, Factory>>{
      {"abandoned_uploads", NewAbandonedUploadsAttack}, {"zstd_bomb", NewZstdBombAttack},
      {"logstream_flood", NewLogStreamFloodAttack},     {"fork_bomb", NewForkBombAttack},
      {"memory_hog", NewMemoryHogAttack},               {"log_flood", NewLogFloodAttack},
      {"input_tree_bomb", NewInputTreeBombAttack},     {"oversized_directory", NewOversizedDirectoryAttack},
  };
  return *catalog;
}

}  // namespace

const std::vector<std::string>& AllAttackNames() {
  static const auto* names = [] {
    auto* list = new std::vector<std::string>;
    for (const auto& entry : Catalog()) list->push_back(entry.first);
    return list;
  }();
  return *names;
}

StatusOr<std::vector<std::string>> ParseAttackList(const std::string& text) {
  return ParseNameList(text, AllAttackNames(), "attack");
}

std::unique_ptr<Attack> NewAttack(const std::string& name, BenchTarget* target) {
  for (const auto& [candidate, factory] : Catalog()) {
    if (candidate == name) return factory(target);
  }
  return nullptr;
}

}  // namespace kiln
