// kiln's version, as `kiln admin status` reports it.
#pragma once

namespace kiln {

inline constexpr char kKilnVersion[] = "0.1.0-dev";

}  // namespace kiln
