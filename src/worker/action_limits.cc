#include "worker/action_limits.h"

#include <charconv>

#include "common/units.h"

namespace kiln {
namespace {

constexpr char kPropertyPrefix[] = "kiln:max-";

constexpr ActionLimitName kNames[] = {
    {&ActionLimits::max_processes, "kiln:max-processes", "action-max-processes", false},
    {&ActionLimits::max_memory_bytes, "kiln:max-memory", "action-max-memory", true},
    {&ActionLimits::max_file_bytes, "kiln:max-file-bytes", "action-max-file-bytes", true},
    {&ActionLimits::max_log_bytes, "kiln:max-log-bytes", "action-max-log-bytes", true},
    {&ActionLimits::max_output_bytes, "kiln:max-output-bytes", "action-max-output-bytes", true},
};

const ActionLimitName* NameOfProperty(std::string_view property) {
  for (const ActionLimitName& name : kNames) {
    if (property == name.property) return &name;
  }
  return nullptr;
}

StatusOr<int64_t> ParseValue(const ActionLimitName& name, const std::string& text) {
  if (name.is_bytes) return ParseByteSize(text);
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    return Status::InvalidArgument("\"" + text + "\" is not a count");
  }
  return value;
}

std::string Describe(const ActionLimitName& name, int64_t value) {
  if (value == 0) return "unlimited";
  return name.is_bytes ? FormatByteSize(value) : std::to_string(value);
}

}  // namespace

ActionLimitPolicy DefaultActionLimitPolicy() {
  constexpr int64_t kGiB = int64_t{1} << 30;
  ActionLimitPolicy policy;
  policy.defaults = {1024, 8 * kGiB, 16 * kGiB, 1 * kGiB, 16 * kGiB};
  policy.maximums = {32768, 64 * kGiB, 256 * kGiB, 16 * kGiB, 256 * kGiB};
  return policy;
}

const ActionLimitName* ActionLimitNames(size_t* count) {
  *count = std::size(kNames);
  return kNames;
}

bool IsActionLimitProperty(std::string_view name) { return name.starts_with(kPropertyPrefix); }

StatusOr<ActionLimits> LimitsForAction(const ActionLimitPolicy& policy, const reapi::Platform& platform) {
  ActionLimits limits = policy.defaults;
  for (const auto& property : platform.properties()) {
    if (!IsActionLimitProperty(property.name())) continue;
    const ActionLimitName* name = NameOfProperty(property.name());
    if (name == nullptr) {
      return Status::InvalidArgument("unknown platform property \"" + property.name() +
                                     "\" (kiln:max-processes, kiln:max-memory, kiln:max-file-bytes, "
                                     "kiln:max-log-bytes and kiln:max-output-bytes are known)");
    }
    auto value = ParseValue(*name, property.value());
    if (!value.ok()) return Status::InvalidArgument("platform property " + property.name() + ": " + value.status().message());
    const int64_t maximum = policy.maximums.*(name->field);
    // Zero asks for no limit, which only a server without a maximum grants.
    if (maximum != 0 && (*value == 0 || *value > maximum)) {
      return Status::InvalidArgument("platform property " + property.name() + "=" + property.value() +
                                     " is above this server's maximum of " + Describe(*name, maximum) + " (--" +
                                     name->flag + "-limit)");
    }
    limits.*(name->field) = *value;
  }
  return limits;
}

Status CheckActionLimitPolicy(const ActionLimitPolicy& policy) {
  for (const ActionLimitName& name : kNames) {
    const int64_t value = policy.defaults.*(name.field), maximum = policy.maximums.*(name.field);
    if (value < 0 || maximum < 0) return Status::InvalidArgument(std::string("--") + name.flag + " must not be negative");
    if (maximum != 0 && (value == 0 || value > maximum)) {
      return Status::InvalidArgument(std::string("--") + name.flag + "=" + Describe(name, value) + " is above --" + name.flag +
                                     "-limit=" + Describe(name, maximum));
    }
  }
  return Status::Ok();
}

}  // namespace kiln
