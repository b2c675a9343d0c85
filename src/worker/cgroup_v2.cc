// Action cgroups on the unified cgroup v2 hierarchy: one child of the (delegated) base per
// action, with memory.max, memory.swap.max and pids.max; breaches from memory.events'
// oom_kill and pids.events' max counters; cgroup.kill empties it at the end.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/file_util.h"
#include "worker/action_cgroup.h"
#include "worker/cgroup_files.h"

namespace kiln {
namespace {

class CgroupV2 final : public ActionCgroup {
 public:
  explicit CgroupV2(std::string dir) : dir_(std::move(dir)) {}
  ~CgroupV2() override {
    WriteCgroupFile(dir_ + "/cgroup.kill", "1").ok();  // Linux 5.14+; else the loop below kills.
    KillAndRemoveCgroup(dir_, dir_ + "/cgroup.procs");
  }

  StatusOr<std::vector<UniqueFd>> OpenProcsFiles() const override {
    auto file = OpenCgroupProcs(dir_);
    if (!file.ok()) return file.status();
    std::vector<UniqueFd> files;
    files.push_back(std::move(file).value());
    return files;
  }

  CgroupBreaches Breaches() const override {
    return {CgroupCounter(dir_ + "/memory.events", "oom_kill") > 0, CgroupCounter(dir_ + "/pids.events", "max") > 0};
  }

 private:
  std::string dir_;
};

class CgroupV2Factory final : public ActionCgroups {
 public:
  explicit CgroupV2Factory(std::string base) : base_(std::move(base)) {}

  StatusOr<std::unique_ptr<ActionCgroup>> Create(const CgroupLimits& limits) override {
    const std::string dir = base_ + "/" + NextActionCgroupName();
    if (::mkdir(dir.c_str(), 0755) != 0) return ErrnoStatus("create cgroup", dir, errno);
    auto cgroup = std::make_unique<CgroupV2>(dir);  // Removes it on failure.
    if (limits.max_memory_bytes > 0) {
      KILN_RETURN_IF_ERROR(WriteCgroupFile(dir + "/memory.max", std::to_string(limits.max_memory_bytes)));
      // Without it the kernel would swap the action out instead of stopping it.
      if (::access((dir + "/memory.swap.max").c_str(), W_OK) == 0) {
        KILN_RETURN_IF_ERROR(WriteCgroupFile(dir + "/memory.swap.max", "0"));
      }
    }
    if (limits.max_processes > 0) {
      KILN_RETURN_IF_ERROR(WriteCgroupFile(dir + "/pids.max", std::to_string(limits.max_processes)));
    }
    return std::unique_ptr<ActionCgroup>(std::move(cgroup));
  }

  std::string Describe() const override { return "cgroup v2 at " + base_; }

 private:
  std::string base_;
};

}  // namespace

std::unique_ptr<ActionCgroups> NewCgroupV2(std::string base) { return std::make_unique<CgroupV2Factory>(std::move(base)); }

}  // namespace kiln
