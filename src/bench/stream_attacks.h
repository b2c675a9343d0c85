// Attacks that open streams and hold them, or send a little that declares a lot:
// abandoned ByteStream uploads, zstd bombs, and unfinished log streams.
#pragma once

#include <memory>

#include "bench/attack.h"
#include "bench/bench_target.h"

namespace kiln {

std::unique_ptr<Attack> NewAbandonedUploadsAttack(BenchTarget* target);
std::unique_ptr<Attack> NewZstdBombAttack(BenchTarget* target);
std::unique_ptr<Attack> NewLogStreamFloodAttack(BenchTarget* target);

}  // namespace kiln
