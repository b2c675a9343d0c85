#include "worker/cgroup_files.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <sstream>
#include <thread>

#include "common/file_util.h"
#include "common/random_hex.h"

namespace kiln {

StatusOr<std::string> ReadKernelFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open", path, errno);
  std::string content;
  char buffer[8192];
  while (content.size() < (size_t{1} << 20)) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("read", path, errno);
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  return content;
}

StatusOr<UniqueFd> OpenCgroupProcs(const std::string& dir) {
  const std::string path = dir + "/cgroup.procs";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open", path, errno);
  return fd;
}

Status WriteCgroupFile(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open", path, errno);
  // One write: the kernel parses a control file's value per write call.
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return ErrnoStatus("write \"" + value + "\" to", path, errno);
  }
  return Status::Ok();
}

int64_t CgroupCounter(const std::string& path, const std::string& key) {
  auto content = ReadKernelFile(path);
  if (!content.ok()) return 0;
  std::istringstream lines(*content);
  std::string name;
  int64_t value = 0;
  while (lines >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

void KillAndRemoveCgroup(const std::string& directory, const std::string& procs_file) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto procs = ReadKernelFile(procs_file);
    bool any = false;
    if (procs.ok()) {
      std::istringstream pids(*procs);
      pid_t pid = 0;
      while (pids >> pid) {
        any = true;
        ::kill(pid, SIGKILL);
      }
    }
    if (::rmdir(directory.c_str()) == 0 || errno == ENOENT) return;
    if (!any && errno != EBUSY) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string NextActionCgroupName() {
  // The pid alone does not make a name unique: kiln processes in other PID namespaces (a
  // sandboxed test, a container) share the cgroup tree, pids are reused, and a kiln killed
  // with SIGKILL leaves its action cgroups behind. 64 random bits per process do.
  static const std::string process = [] {
    auto random = RandomHex(8);
    return std::to_string(::getpid()) + "-" + (random.ok() ? *random : std::string("0"));
  }();
  static std::atomic<uint64_t> counter{0};
  return "kiln-action-" + process + "-" + std::to_string(counter.fetch_add(1));
}

}  // namespace kiln
