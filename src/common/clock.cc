#include "common/clock.h"

namespace kiln {

SystemClock* SystemClock::Get() {
  static SystemClock clock;
  return &clock;
}

}  // namespace kiln
