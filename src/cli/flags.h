// A small command-line flag parser: "--name=value" or "--name value", each flag registered
// with its help text, and the default shown in --help taken from the target's initial value.
// Commands that call AddConfigFile() also take their flags from a YAML or JSON file
// (cli/config_file.h), which the command line overrides.
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
  // A number greater than zero (a weight, a ratio).
  void AddPositiveNumber(std::string name, double* target, std::string help);
  void AddBool(std::string name, bool* target, std::string help);
  // A flag that may be given several times; each value is appended. Values given on the
  // command line replace those from a config file.
  void AddStringList(std::string name, std::vector<std::string>* target, std::string help);
  // Registers --config FILE: every other flag's values from a file (docs/config-file.md),
  // applied before the command line's, so that flags override the file. Parse refuses a
  // bad file with its line, column and key; --config itself cannot be set in the file.
  void AddConfigFile();

  // INVALID_ARGUMENT naming the flag for unknown flags, missing or malformed values (or
  // the file, line and key for a config file's).
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
    std::function<void()> clear = {};  // Repeatable flags only: forgets the values set so far.
    bool is_config_file = false;  // --config itself.
  };
  // A flag as the command line gives it, before it is applied.
  struct Given {
    const Flag* flag;
    std::string_view value;
  };
  void Add(Flag flag) { flags_.push_back(std::move(flag)); }
  Status ReadCommandLine(const std::vector<std::string>& args, std::vector<Given>& given);
  // Applies the file's values; `from_file` gets the repeatable flags it set.
  Status ApplyConfigFile(const std::string& path, std::vector<const Flag*>& from_file);

  std::string usage_line_;
  std::string summary_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
  std::set<std::string> given_;
};

}  // namespace kiln
