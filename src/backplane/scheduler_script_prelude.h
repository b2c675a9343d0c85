// The Lua every scheduler script begins with (scheduler_scripts.cc): key names, platform
// matching, and the steps of an operation's life, shared so that each script states only
// what it changes.
#pragma once

namespace kiln::backplane_scripts {

extern const char kSchedulerScriptPrelude[];

}  // namespace kiln::backplane_scripts
