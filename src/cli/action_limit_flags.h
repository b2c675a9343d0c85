// The --action-max-* flags of `kiln serve` and `kiln worker`: one pair per limit of
// worker/action_limits.h, the default an action gets and (with "-limit") the most it may
// ask for with a kiln:max-* platform property.
#pragma once

#include "cli/flags.h"
#include "worker/action_limits.h"

namespace kiln {

// Also --action-nice, the niceness every action runs with.
// Registers the flags, writing into `policy` (whose current values are the defaults shown).
void AddActionLimitFlags(FlagSet& flags, ActionLimitPolicy& policy);

}  // namespace kiln
