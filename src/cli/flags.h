// A small command-line flag parser: "--name=value" or "--name value", each flag registered
// with its help text, and the default shown in --help taken from the target's initial value.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/units.h"

namespace kiln {

// Bounds of a numeric flag, inclusive: Parse refuses a value outside them with a message that
// names the flag and the bounds, so commands need no checks of their own for plain ranges.
struct FlagRange {
  static FlagRange AtLeast(int64_t min) { return {min, std::nullopt}; }
  static FlagRange AtMost(int64_t max) { return {std::nullopt, max}; }
  static FlagRange Between(int64_t min, int64_t max) { return {min, max}; }

  std::optional<int64_t> min;
  std::optional<int64_t> max;
};

class FlagSet {
 public:
  FlagSet(std::string usage_line, std::string summary)
      : usage_line_(std::move(usage_line)), summary_(std::move(summary)) {}

  void AddString(std::string name, std::string* target, std::string help);
  void AddInt(std::string name, int* target, std::string help, FlagRange range = {});
  void AddInt64(std::string name, int64_t* target, std::string help, FlagRange range = {});
  // A size with an optional unit suffix (K, M, G, T: powers of 1024); `range` in bytes.
  void AddBytes(std::string name, int64_t* target, std::string help, FlagRange range = {});
  void AddDuration(std::string name, Duration* target, std::string help);
  void AddBool(std::string name, bool* target, std::string help);
  // A flag that may be given several times; each value is appended.
  void AddStringList(std::string name, std::vector<std::string>* target, std::string help);

  // INVALID_ARGUMENT naming the flag for unknown flags, missing or malformed values.
  Status Parse(const std::vector<std::string>& args);
  bool help_requested() const { return help_requested_; }
  // Whether Parse saw the flag (by its name without "--"), whatever its value: for checks
  // that depend on a flag having been asked for, not only on its value.
  bool WasGiven(const std::string& name) const { return given_.contains(name); }
  std::string Usage() const;
  // How a command ends once its flags are parsed and checked (`checked` is the first error):
  // 0 after printing the usage for --help, 2 after printing "PROGRAM: error" to stderr
  // (PROGRAM e.g. "kiln serve"), or nullopt when the command should go on.
  std::optional<int> ExitCode(const Status& checked, std::string_view program) const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool takes_value = true;
    std::function<Status(std::string_view)> set;
  };
  void Add(Flag flag) { flags_.push_back(std::move(flag)); }

  std::string usage_line_;
  std::string summary_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
  std::set<std::string> given_;
};

}  // namespace kiln
