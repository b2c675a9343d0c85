#include "worker/exec_image.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "worker/executable_search.h"

namespace kiln {

ExecImage MakeExecImage(const RunRequest& request) {
  ExecImage image;
  image.strings.reserve(request.arguments.size() + request.environment.size() + 1);
  for (const std::string& argument : request.arguments) image.strings.push_back(argument);
  for (const auto& [name, value] : request.environment) image.strings.push_back(name + "=" + value);
  image.strings.push_back("/bin/sh");
  const size_t arguments = request.arguments.size();
  for (size_t i = 0; i < arguments; ++i) image.argv.push_back(image.strings[i].data());
  image.argv.push_back(nullptr);
  for (size_t i = arguments; i + 1 < image.strings.size(); ++i) image.envp.push_back(image.strings[i].data());
  image.envp.push_back(nullptr);
  image.shell_argv = {image.strings.back().data(), nullptr};  // [1]: the candidate, set at exec time.
  for (size_t i = 1; i < arguments; ++i) image.shell_argv.push_back(image.strings[i].data());
  image.shell_argv.push_back(nullptr);
  image.candidates = ExecutableCandidates(request.arguments[0], request.environment);
  image.working_directory = request.working_directory;
  const RunLimits& limits = request.limits;
  for (const auto& [resource, value] : {std::pair{RLIMIT_NPROC, limits.max_processes},
                                        std::pair{RLIMIT_DATA, limits.max_memory_bytes},
                                        std::pair{RLIMIT_FSIZE, limits.max_file_bytes}}) {
    if (value > 0) image.resource_limits.emplace_back(resource, static_cast<uint64_t>(value));
  }
  // A crashing action must not fill the work filesystem with core files either.
  image.resource_limits.emplace_back(RLIMIT_CORE, 0);
  image.nice = limits.nice;
  return image;
}

namespace {

// Async-signal-safe: the raw system call, no glibc bookkeeping.
int LowerResourceLimits(const ExecImage& image) {
  for (const auto& [resource, value] : image.resource_limits) {
    struct rlimit current {};
    if (::syscall(SYS_prlimit64, 0, resource, nullptr, &current) != 0) return errno;
    if (value >= current.rlim_max) continue;
    const struct rlimit lowered {value, value};
    if (::syscall(SYS_prlimit64, 0, resource, &lowered, nullptr) != 0) return errno;
  }
  return 0;
}

// Async-signal-safe too. The raw getpriority returns 20 - niceness (1..40); lowering one's
// own priority needs no privilege.
int LowerPriority(int increment) {
  if (increment <= 0) return 0;
  const long raw = ::syscall(SYS_getpriority, PRIO_PROCESS, 0);
  if (raw < 0) return errno;
  const long niceness = std::min(20 - raw + increment, 19L);
  return ::syscall(SYS_setpriority, PRIO_PROCESS, 0, niceness) == 0 ? 0 : errno;
}

}  // namespace

int ExecLikeExecvp(ExecImage& image) {
  if (const int priority_error = LowerPriority(image.nice); priority_error != 0) return priority_error;
  if (const int limit_error = LowerResourceLimits(image); limit_error != 0) return limit_error;
  int error = ENOENT;
  bool access_denied = false;
  for (std::string& candidate : image.candidates) {
    ::execve(candidate.c_str(), image.argv.data(), image.envp.data());
    error = errno;
    if (error == ENOEXEC) {
      image.shell_argv[1] = candidate.data();
      ::execve(image.shell_argv[0], image.shell_argv.data(), image.envp.data());
      return ENOEXEC;
    }
    if (error == EACCES) {
      access_denied = true;
    } else if (error != ENOENT && error != ENOTDIR && error != ESTALE && error != ENODEV && error != ETIMEDOUT) {
      break;
    }
  }
  if (access_denied && (error == ENOENT || error == ENOTDIR)) error = EACCES;
  return error;
}

}  // namespace kiln
