#include "cli/action_limit_flags.h"

namespace kiln {
namespace {

// "memory", "processes", ...: the flag's name after "action-max-".
std::string Subject(const ActionLimitName& name) { return std::string(name.flag).substr(std::string("action-max-").size()); }

}  // namespace

void AddActionLimitFlags(FlagSet& flags, ActionLimitPolicy& policy) {
  size_t count = 0;
  const ActionLimitName* names = ActionLimitNames(&count);
  for (size_t i = 0; i < count; ++i) {
    const ActionLimitName& name = names[i];
    const std::string subject = Subject(name);
    const std::string help = "Each action's limit of " + subject + " unless its platform asks for another with " +
                             name.property + " (0 = unlimited).";
    const std::string limit_help = "The most " + std::string(name.property) + " an action may ask for (0 = no maximum).";
    if (name.is_bytes) {
      flags.AddBytes(name.flag, &(policy.defaults.*(name.field)), help);
      flags.AddBytes(std::string(name.flag) + "-limit", &(policy.maximums.*(name.field)), limit_help);
    } else {
      flags.AddInt64(name.flag, &(policy.defaults.*(name.field)), help);
      flags.AddInt64(std::string(name.flag) + "-limit", &(policy.maximums.*(name.field)), limit_help);
    }
  }
  flags.AddInt("action-nice", &policy.nice,
               "Niceness added to every action's processes (0-19; not for actions to choose). Actions yield the "
               "CPU to this process's own work, so that a busy action cannot slow its answers to clients.",
               FlagRange::Between(0, 19));
}

}  // namespace kiln
