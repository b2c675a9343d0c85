// Finding the cgroups kiln may make action cgroups in: kiln's own cgroup in each hierarchy
// (/proc/self/cgroup) under where that hierarchy is mounted (/proc/self/mountinfo).
#include "worker/action_cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <vector>

#include "common/file_util.h"
#include "worker/cgroup_files.h"

namespace kiln {
namespace {

struct CgroupMount {
  std::string root;         // The hierarchy's directory mounted there ("/" mostly).
  std::string mount_point;
  std::string fs_type;      // "cgroup2" or "cgroup".
  std::string options;      // Super options: v1's controller names.
};

std::vector<CgroupMount> CgroupMounts() {
  std::vector<CgroupMount> mounts;
  auto mountinfo = ReadKernelFile("/proc/self/mountinfo");
  if (!mountinfo.ok()) return mounts;
  std::istringstream lines(*mountinfo);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point, field;
    fields >> id >> parent >> device >> root >> mount_point;
    while (fields >> field && field != "-") {
    }
    CgroupMount mount{root, mount_point, "", ""};
    std::string source;
    fields >> mount.fs_type >> source >> mount.options;
    if (mount.fs_type == "cgroup2" || mount.fs_type == "cgroup") mounts.push_back(std::move(mount));
  }
  return mounts;
}

bool HasWord(const std::string& list, const std::string& word, char separator) {
  std::istringstream words(list);
  std::string each;
  while (std::getline(words, each, separator)) {
    if (each == word) return true;
  }
  return false;
}

// This process's path in the hierarchy whose /proc/self/cgroup controllers field is
// `controllers` ("" for v2), or whose list holds `controller` (v1).
std::string OwnCgroupPath(const std::string& controller) {
  auto content = ReadKernelFile("/proc/self/cgroup");
  if (!content.ok()) return "";
  std::istringstream lines(*content);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const bool match = controller.empty() ? (line.compare(0, first, "0") == 0 && controllers.empty())
                                          : HasWord(controllers, controller, ',');
    if (match) return line.substr(second + 1);
  }
  return "";
}

// Where `own` (a path in the hierarchy) is on this host, through `mount`.
std::string Directory(const CgroupMount& mount, std::string own) {
  if (mount.root != "/" && own.compare(0, mount.root.size(), mount.root) == 0) own = own.substr(mount.root.size());
  while (!own.empty() && own.back() == '/') own.pop_back();
  return mount.mount_point + own;
}

const CgroupMount* FindMount(const std::vector<CgroupMount>& mounts, const std::string& controller) {
  for (const CgroupMount& mount : mounts) {
    if (controller.empty() ? mount.fs_type == "cgroup2"
                           : mount.fs_type == "cgroup" && HasWord(mount.options, controller, ',')) {
      return &mount;
    }
  }
  return nullptr;
}

// A cgroup v2 directory may have children with controllers only if it has no processes of
// its own (the root excepted): kiln moves itself into a leaf first.
std::unique_ptr<ActionCgroups> SetUpV2(const CgroupMount& mount, std::string* why_not) {
  const std::string own = OwnCgroupPath("");
  const std::string base = Directory(mount, own);
  auto controllers = ReadKernelFile(base + "/cgroup.controllers");
  if (!controllers.ok() || !HasWord(*controllers, "memory", ' ') || !HasWord(*controllers, "pids", ' ')) {
    const std::string trimmed = controllers.ok() ? controllers->substr(0, controllers->find('\n')) : "unreadable";
    *why_not = "cgroup v2 at " + base + " offers no memory and pids controllers (\"" + trimmed + "\")";
    return nullptr;
  }
  if (own != "/") {
    const std::string leaf = base + "/kiln-server";
    if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) {
      *why_not = "cannot create " + leaf + ": " + std::strerror(errno) + " (kiln's cgroup is not delegated to it)";
      return nullptr;
    }
    Status moved = WriteCgroupFile(leaf + "/cgroup.procs", "0");
    if (!moved.ok()) {
      *why_not = moved.message();
      return nullptr;
    }
  }
  Status enabled = WriteCgroupFile(base + "/cgroup.subtree_control", "+memory +pids");
  if (!enabled.ok()) {
    *why_not = enabled.message() + " (other processes share kiln's cgroup; run kiln in a cgroup of its own)";
    return nullptr;
  }
  return NewCgroupV2(base);
}

std::unique_ptr<ActionCgroups> SetUpV1(const CgroupMount& memory, const CgroupMount& pids, std::string* why_not) {
  const std::string memory_base = Directory(memory, OwnCgroupPath("memory"));
  const std::string pids_base = Directory(pids, OwnCgroupPath("pids"));
  for (const std::string& base : {memory_base, pids_base}) {
    const std::string probe = base + "/" + NextActionCgroupName();
    if (::mkdir(probe.c_str(), 0755) != 0) {
      *why_not = "cannot create cgroups in " + base + ": " + std::strerror(errno);
      return nullptr;
    }
    ::rmdir(probe.c_str());
  }
  return NewCgroupV1(memory_base, pids_base);
}

}  // namespace

std::unique_ptr<ActionCgroups> DiscoverActionCgroups(std::string* why_not) {
  const std::vector<CgroupMount> mounts = CgroupMounts();
  std::string v2_reason = "no cgroup v2 hierarchy is mounted";
  if (const CgroupMount* unified = FindMount(mounts, "")) {
    if (auto cgroups = SetUpV2(*unified, &v2_reason)) return cgroups;
  }
  const CgroupMount* memory = FindMount(mounts, "memory");
  const CgroupMount* pids = FindMount(mounts, "pids");
  if (memory == nullptr || pids == nullptr) {
    *why_not = v2_reason + ", and cgroup v1 has no memory and pids hierarchies";
    return nullptr;
  }
  std::string v1_reason;
  if (auto cgroups = SetUpV1(*memory, *pids, &v1_reason)) return cgroups;
  *why_not = v2_reason + "; " + v1_reason;
  return nullptr;
}

}  // namespace kiln
