#include "client/frontend_rotation.h"

#include <algorithm>
#include <memory>
#include <random>

namespace kiln {
namespace {

std::function<double()> SeededRandom() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace

FrontendRotation::FrontendRotation(FrontendRotationOptions options)
    : options_(std::move(options)), next_base_(options_.initial_backoff) {
  if (!options_.random) options_.random = SeededRandom();
  options_.frontends = std::max<size_t>(1, options_.frontends);
  // min(): a random() that returned 1.0 must not pick one past the end.
  current_ = std::min(static_cast<size_t>(options_.random() * static_cast<double>(options_.frontends)),
                      options_.frontends - 1);
}

Duration FrontendRotation::AfterSession() {
  Advance();
  next_base_ = std::min<Duration>(options_.initial_backoff * 2, options_.max_backoff);
  return Jittered(options_.initial_backoff);
}

Duration FrontendRotation::AfterFailure() {
  Advance();
  const Duration base = next_base_;
  next_base_ = std::min<Duration>(next_base_ * 2, options_.max_backoff);
  return Jittered(base);
}

Duration FrontendRotation::Jittered(Duration base) {
  const double fraction = std::clamp(options_.random(), 0.0, 1.0);
  return base / 2 + std::chrono::duration_cast<Duration>(base / 2 * fraction);
}

}  // namespace kiln
