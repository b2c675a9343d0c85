// Attacks through Execute: hostile actions run again and again, two at once, each with a new
// salt so that nothing is cached or merged. What each does is in its description.
#pragma once

#include <memory>

#include "bench/attack.h"
#include "bench/bench_target.h"

namespace kiln {

std::unique_ptr<Attack> NewForkBombAttack(BenchTarget* target);
std::unique_ptr<Attack> NewMemoryHogAttack(BenchTarget* target);
std::unique_ptr<Attack> NewLogFloodAttack(BenchTarget* target);
std::unique_ptr<Attack> NewInputTreeBombAttack(BenchTarget* target);
std::unique_ptr<Attack> NewOversizedDirectoryAttack(BenchTarget* target);

}  // namespace kiln
