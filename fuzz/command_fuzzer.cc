// What Execute checks in a client's Command (src/execution/action_validation.h): arguments,
// environment, output paths and the working directory, and the kiln:max-* platform
// properties that ask for resource limits (src/worker/action_limits.h). Checked: an accepted
// path cannot leave the input root, accepted limits are within the server's maximums, and
// a platform matches itself.
#include <string>

// Command.output_files, output_directories and platform are deprecated, but clients still send
// them and kiln validates them.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "execution/action_validation.h"
#include "fuzz_check.h"
#include "scheduler/platform.h"
#include "worker/action_limits.h"

namespace {

// Lexically: no absolute path, no "..", "." or empty segment, no NUL.
void CheckInsideRoot(std::string_view path) {
  FUZZ_CHECK(!path.empty() && path.front() != '/' && path.back() != '/');
  FUZZ_CHECK(path.find('\0') == std::string_view::npos);
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    FUZZ_CHECK(!segment.empty() && segment != "." && segment != "..");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (ValidateRelativePath(text, "path").ok()) CheckInsideRoot(text);

  reapi::Command command;
  if (!command.ParseFromArray(data, static_cast<int>(size))) return 0;
  const Status valid = ValidateCommand(command);
  if (valid.ok()) {
    FUZZ_CHECK(!command.arguments().empty() && !command.arguments(0).empty());
    if (!command.working_directory().empty()) CheckInsideRoot(command.working_directory());
    for (const auto& path : command.output_paths()) CheckInsideRoot(path);
    for (const auto& path : command.output_files()) CheckInsideRoot(path);
    for (const auto& path : command.output_directories()) CheckInsideRoot(path);
    for (int i = 1; i < command.environment_variables_size(); ++i) {
      FUZZ_CHECK(command.environment_variables(i - 1).name() < command.environment_variables(i).name());
    }
  } else {
    FUZZ_CHECK(valid.code() == StatusCode::kInvalidArgument);
  }

  const ActionLimitPolicy policy = DefaultActionLimitPolicy();
  auto limits = LimitsForAction(policy, command.platform());
  if (limits.ok()) {
    size_t count = 0;
    const ActionLimitName* names = ActionLimitNames(&count);
    for (size_t i = 0; i < count; ++i) {
      const int64_t value = (*limits).*(names[i].field);
      const int64_t maximum = policy.maximums.*(names[i].field);
      FUZZ_CHECK(value >= 0 && (maximum == 0 || (value > 0 && value <= maximum)));
    }
  } else {
    FUZZ_CHECK(limits.status().code() == StatusCode::kInvalidArgument);
  }
  std::vector<std::pair<std::string, std::string>> properties;
  for (const auto& property : command.platform().properties()) properties.emplace_back(property.name(), property.value());
  const Platform platform(properties);
  FUZZ_CHECK(platform.Satisfies(platform));
  FUZZ_CHECK(Platform(platform.properties()) == platform);
  (void)platform.ToString();
  return 0;
}
