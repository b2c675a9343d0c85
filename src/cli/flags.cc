#include "cli/flags.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "cli/config_file.h"

namespace kiln {
void FlagSet::AddString(std::string name, std::string* target, std::string help) {
  Add({std::move(name), std::move(help), *target, true, [target](std::string_view v) {
         *target = std::string(v);
         return Status::Ok();
       }});
}

namespace {

// "must be between 1K and 1G", "must be 1 or more", ...: `format` renders a bound.
Status CheckRange(int64_t value, const FlagRange& range, std::string (*format)(int64_t)) {
  const bool below = range.min && value < *range.min;
  const bool above = range.max && value > *range.max;
  if (!below && !above) return Status::Ok();
  std::string bounds;
  if (range.min && range.max) bounds = "between " + format(*range.min) + " and " + format(*range.max);
  else if (range.min) bounds = format(*range.min) + " or more";
  else bounds = "at most " + format(*range.max);
  return Status::InvalidArgument("must be " + bounds + " (got " + format(value) + ")");
}

std::string FormatInteger(int64_t value) { return std::to_string(value); }

template <typename Integer>
std::function<Status(std::string_view)> IntegerSetter(Integer* target, FlagRange range) {
  return [target, range](std::string_view v) {
    Integer value = 0;
    auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (error != std::errc() || end != v.data() + v.size()) {
      return Status::InvalidArgument("\"" + std::string(v) + "\" is not an integer");
    }
    KILN_RETURN_IF_ERROR(CheckRange(value, range, FormatInteger));
    *target = value;
    return Status::Ok();
  };
}

}  // namespace

void FlagSet::AddInt(std::string name, int* target, std::string help, FlagRange range) {
  Add({std::move(name), std::move(help), std::to_string(*target), true, IntegerSetter(target, range)});
}

void FlagSet::AddInt64(std::string name, int64_t* target, std::string help, FlagRange range) {
  Add({std::move(name), std::move(help), std::to_string(*target), true, IntegerSetter(target, range)});
}

void FlagSet::AddBytes(std::string name, int64_t* target, std::string help, FlagRange range) {
  Add({std::move(name), std::move(help), FormatByteSize(*target), true, [target, range](std::string_view v) {
         auto bytes = ParseByteSize(v);
         if (!bytes.ok()) return bytes.status();
         KILN_RETURN_IF_ERROR(CheckRange(*bytes, range, FormatByteSize));
         *target = *bytes;
         return Status::Ok();
       }});
}

void FlagSet::AddDuration(std::string name, Duration* target, std::string help) {
  Add({std::move(name), std::move(help), FormatDuration(*target), true, [target](std::string_view v) {
         auto duration = ParseDuration(v);
         if (!duration.ok()) return duration.status();
         *target = *duration;
         return Status::Ok();
       }});
}

void FlagSet::AddPositiveNumber(std::string name, double* target, std::string help) {
  std::ostringstream shown;
  shown << *target;
  Add({name, std::move(help), shown.str(), true, [target, name](std::string_view v) {
         const std::string text(v);
         char* end = nullptr;
         const double number = std::strtod(text.c_str(), &end);
         if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(number) || number <= 0) {
           return Status::InvalidArgument("--" + name + " must be a number greater than 0, not \"" + text + "\"");
         }
         *target = number;
         return Status::Ok();
       }});
}

void FlagSet::AddBool(std::string name, bool* target, std::string help) {
  Add({std::move(name), std::move(help), *target ? "true" : "false", false, [target](std::string_view v) {
         if (v.empty() || v == "true" || v == "1") *target = true;
         else if (v == "false" || v == "0") *target = false;
         else return Status::InvalidArgument("\"" + std::string(v) + "\" is not true or false");
         return Status::Ok();
       }});
}

void FlagSet::AddStringList(std::string name, std::vector<std::string>* target, std::string help) {
  Add({std::move(name), std::move(help), "none", true,
       [target](std::string_view v) {
         target->emplace_back(v);
         return Status::Ok();
       },
       [target] { target->clear(); }});
}

void FlagSet::AddConfigFile() {
  Flag flag{"config", "YAML or JSON file of flag values, keyed by flag name (docs/config-file.md); flags given "
            "on the command line override it.", "", true, [](std::string_view) { return Status::Ok(); }};
  flag.is_config_file = true;
  Add(std::move(flag));
}

Status FlagSet::ReadCommandLine(const std::vector<std::string>& args, std::vector<Given>& given) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      continue;
    }
    if (!arg.starts_with("--")) return Status::InvalidArgument("unexpected argument \"" + std::string(arg) + "\"");
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const Flag* flag = nullptr;
    for (const Flag& candidate : flags_) {
      if (candidate.name == name) flag = &candidate;
    }
    if (flag == nullptr) return Status::InvalidArgument("unknown flag --" + std::string(name) + " (see --help)");
    if (!value && flag->takes_value) {
      if (i + 1 >= args.size()) return Status::InvalidArgument("flag --" + std::string(name) + " needs a value");
      value = args[++i];
    }
    given.push_back({flag, value.value_or("")});
  }
  return Status::Ok();
}

Status FlagSet::ApplyConfigFile(const std::string& path, std::vector<const Flag*>& from_file) {
  std::vector<ConfigFlag> described;
  for (const Flag& flag : flags_) described.push_back({flag.name, static_cast<bool>(flag.clear)});
  auto assignments = ReadConfigFile(path, described);
  if (!assignments.ok()) return assignments.status();
  for (const ConfigAssignment& assignment : *assignments) {
    auto flag = std::find_if(flags_.begin(), flags_.end(), [&](const Flag& f) { return f.name == assignment.flag; });
    if (flag->is_config_file) {
      return Status::InvalidArgument(assignment.location + ": a config file cannot name another one");
    }
    if (Status status = flag->set(assignment.value); !status.ok()) {
      return Status::InvalidArgument(assignment.location + ": " + status.message());
    }
    given_.insert(flag->name);
    if (flag->clear) from_file.push_back(&*flag);
  }
  return Status::Ok();
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
  std::vector<Given> given;
  KILN_RETURN_IF_ERROR(ReadCommandLine(args, given));
  // The file first, so that the command line overrides it.
  std::vector<const Flag*> from_file;
  auto is_config = [](const Given& flag) { return flag.flag->is_config_file; };
  if (std::count_if(given.begin(), given.end(), is_config) > 1) {
    return Status::InvalidArgument("--config may be given only once");
  }
  if (auto config = std::find_if(given.begin(), given.end(), is_config); config != given.end()) {
    KILN_RETURN_IF_ERROR(ApplyConfigFile(std::string(config->value), from_file));
  }
  for (const Given& flag : given) {
    if (flag.flag->is_config_file) continue;
    // A repeatable flag on the command line replaces the file's values rather than adding to them.
    if (std::find(from_file.begin(), from_file.end(), flag.flag) != from_file.end()) {
      flag.flag->clear();
      std::erase(from_file, flag.flag);
    }
    Status status = flag.flag->set(flag.value);
    if (!status.ok()) return status.WithContext("--" + flag.flag->name);
    given_.insert(flag.flag->name);
  }
  return Status::Ok();
}

std::optional<int> FlagSet::ExitCode(const Status& checked, std::string_view program) const {
  if (help_requested_) {
    std::cout << Usage();
    return 0;
  }
  if (!checked.ok()) {
    std::cerr << program << ": " << checked.message() << "\n";
    return 2;
  }
  return std::nullopt;
}

std::string FlagSet::Usage() const {
  std::ostringstream out;
  out << "Usage: " << usage_line_ << "\n\n" << summary_ << "\n\nFlags:\n";
  for (const Flag& flag : flags_) {
    out << "  --" << flag.name << (flag.takes_value ? " VALUE" : "") << "\n      " << flag.help
        << "\n      (default: " << (flag.default_text.empty() ? "\"\"" : flag.default_text) << ")\n";
  }
  out << "  --help\n      Show this help.\n";
  return out.str();
}

}  // namespace kiln
