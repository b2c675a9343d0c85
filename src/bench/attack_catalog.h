// The attacks `kiln attack` knows, by name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench/attack.h"
#include "bench/bench_target.h"

namespace kiln {

const std::vector<std::string>& AllAttackNames();
// "" = all; INVALID_ARGUMENT naming an unknown one and listing the known.
StatusOr<std::vector<std::string>> ParseAttackList(const std::string& text);
// REQUIRES: `name` is one of AllAttackNames().
std::unique_ptr<Attack> NewAttack(const std::string& name, BenchTarget* target);

}  // namespace kiln
