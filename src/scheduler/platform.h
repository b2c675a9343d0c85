// Platform requirements of actions and capabilities of workers, and the rule that matches
// them. Kept apart from the scheduler so that the matching rules are documented and tested
// in one place.
//
// Matching: an action's platform is a list of (name, value) properties. A worker advertises
// a list too, where a name may appear with several values. A worker can run an action when
// every property of the action is advertised by the worker with exactly that value. An
// action with no properties runs anywhere. Workers always advertise OSFamily=linux and
// ISA=<host ISA, e.g. x86-64> in addition to what they are configured with.
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace kiln {

class Platform {
 public:
  Platform() = default;
  // Sorts by name then value and removes exact duplicates.
  explicit Platform(std::vector<std::pair<std::string, std::string>> properties);

  const std::vector<std::pair<std::string, std::string>>& properties() const { return properties_; }
  bool empty() const { return properties_.empty(); }
  // True if every property of `required` appears in this (worker) platform.
  bool Satisfies(const Platform& required) const;
  // "name=value,name=value", for keys and messages.
  std::string ToString() const;

  friend bool operator==(const Platform&, const Platform&) = default;
  // Any total order, so that platforms can key ordered maps (the scheduler groups by them).
  friend auto operator<=>(const Platform&, const Platform&) = default;

 private:
  std::vector<std::pair<std::string, std::string>> properties_;
};

// The properties every worker on this host advertises (OSFamily, ISA).
Platform HostDefaultPlatform();
// Parses "KEY=VALUE" (the `--platform` flag form). INVALID_ARGUMENT without '=' or name.
StatusOr<std::pair<std::string, std::string>> ParsePlatformProperty(std::string_view text);
// Parses each of `texts` (a repeated `--platform` flag) and appends it to `properties`;
// stops at the first malformed one and returns its error.
Status ParsePlatformProperties(const std::vector<std::string>& texts,
                               std::vector<std::pair<std::string, std::string>>& properties);

}  // namespace kiln
