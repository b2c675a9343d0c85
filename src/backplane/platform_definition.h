// A platform as the backplane's Lua scripts see it: one "name=value" line per property, in
// Platform's sorted order. The scripts match an action's definition against a worker's line
// by line (every line of the action's must be among the worker's: Platform::Satisfies), so
// the encoding must be injective: '\' and newlines are escaped in both parts and '=' in the
// name, so that no two different properties share a line.
#pragma once

#include <string>
#include <string_view>

#include "scheduler/platform.h"

namespace kiln {

std::string PlatformDefinition(const Platform& platform);
// The platform a definition was made of (for listings of the workers Redis knows).
Platform ParsePlatformDefinition(std::string_view definition);

}  // namespace kiln
