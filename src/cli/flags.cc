#include "cli/flags.h"

#include <cctype>
#include <charconv>
#include <optional>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace kiln {
namespace {

bool ParseNumber(std::string_view text, double* out) {
  if (text.empty()) return false;
  std::string copy(text);
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && std::isfinite(*out);
}

size_t SplitUnit(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  return i;
}

}  // namespace

StatusOr<int64_t> ParseByteSize(std::string_view text) {
  size_t split = SplitUnit(text);
  double number = 0;
  if (!ParseNumber(text.substr(0, split), &number)) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is not a size (examples: 4096, 512M, 10G)");
  }
  std::string unit(text.substr(split));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double multiplier = 0;
  if (unit.empty() || unit == "B") multiplier = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") multiplier = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB") multiplier = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB") multiplier = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB") multiplier = 1024.0 * 1024 * 1024 * 1024;
  else return Status::InvalidArgument("\"" + std::string(text) + "\" has an unknown size unit \"" + unit + "\"");
  double bytes = number * multiplier;
  if (bytes > 9.0e18) return Status::InvalidArgument("\"" + std::string(text) + "\" is too large");
  return static_cast<int64_t>(bytes);
}

std::string FormatByteSize(int64_t bytes) {
  const char* units[] = {"", "K", "M", "G", "T"};
  int unit = 0;
  while (unit < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + units[unit];
}

StatusOr<Duration> ParseDuration(std::string_view text) {
  size_t split = SplitUnit(text);
  double number = 0;
  if (!ParseNumber(text.substr(0, split), &number)) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is not a duration (examples: 30s, 10m, 2h)");
  }
  std::string_view unit = text.substr(split);
  double seconds_per_unit = 0;
  if (unit.empty() || unit == "s") seconds_per_unit = 1;
  else if (unit == "ms") seconds_per_unit = 0.001;
  else if (unit == "m") seconds_per_unit = 60;
  else if (unit == "h") seconds_per_unit = 3600;
  else return Status::InvalidArgument("\"" + std::string(text) + "\" has an unknown duration unit \"" + std::string(unit) + "\"");
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(number * seconds_per_unit));
}

std::string FormatDuration(Duration duration) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  if (seconds != 0 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds != 0 && seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

void FlagSet::AddString(std::string name, std::string* target, std::string help) {
  Add({std::move(name), std::move(help), *target, true, [target](std::string_view v) {
         *target = std::string(v);
         return Status::Ok();
       }});
}

void FlagSet::AddInt(std::string name, int* target, std::string help) {
  Add({std::move(name), std::move(help), std::to_string(*target), true, [target](std::string_view v) {
         int value = 0;
         auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), value);
         if (error != std::errc() || end != v.data() + v.size()) {
           return Status::InvalidArgument("\"" + std::string(v) + "\" is not an integer");
         }
         *target = value;
         return Status::Ok();
       }});
}

void FlagSet::AddBytes(std::string name, int64_t* target, std::string help) {
  Add({std::move(name), std::move(help), FormatByteSize(*target), true, [target](std::string_view v) {
         auto bytes = ParseByteSize(v);
         if (!bytes.ok()) return bytes.status();
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

void FlagSet::AddBool(std::string name, bool* target, std::string help) {
  Add({std::move(name), std::move(help), *target ? "true" : "false", false, [target](std::string_view v) {
         if (v.empty() || v == "true" || v == "1") *target = true;
         else if (v == "false" || v == "0") *target = false;
         else return Status::InvalidArgument("\"" + std::string(v) + "\" is not true or false");
         return Status::Ok();
       }});
}

void FlagSet::AddStringList(std::string name, std::vector<std::string>* target, std::string help) {
  Add({std::move(name), std::move(help), "none", true, [target](std::string_view v) {
         target->emplace_back(v);
         return Status::Ok();
       }});
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
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
    Status status = flag->set(value.value_or(""));
    if (!status.ok()) return status.WithContext("--" + std::string(name));
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
