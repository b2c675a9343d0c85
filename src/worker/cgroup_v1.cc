// Action cgroups on cgroup v1: one directory in the memory hierarchy and one in the pids
// hierarchy per action. Swap is limited with memory (memsw) where the kernel accounts it.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/file_util.h"
#include "worker/action_cgroup.h"
#include "worker/cgroup_files.h"

namespace kiln {
namespace {

class CgroupV1 final : public ActionCgroup {
 public:
  CgroupV1(std::string memory_dir, std::string pids_dir) : memory_dir_(std::move(memory_dir)), pids_dir_(std::move(pids_dir)) {}
  ~CgroupV1() override {
    KillAndRemoveCgroup(memory_dir_, memory_dir_ + "/cgroup.procs");
    KillAndRemoveCgroup(pids_dir_, pids_dir_ + "/cgroup.procs");
  }

  StatusOr<std::vector<UniqueFd>> OpenProcsFiles() const override {
    std::vector<UniqueFd> files;
    for (const std::string* dir : {&memory_dir_, &pids_dir_}) {
      auto file = OpenCgroupProcs(*dir);
      if (!file.ok()) return file.status();
      files.push_back(std::move(file).value());
    }
    return files;
  }

  CgroupBreaches Breaches() const override {
    return {CgroupCounter(memory_dir_ + "/memory.oom_control", "oom_kill") > 0,
            CgroupCounter(pids_dir_ + "/pids.events", "max") > 0};
  }

 private:
  std::string memory_dir_, pids_dir_;
};

class CgroupV1Factory final : public ActionCgroups {
 public:
  CgroupV1Factory(std::string memory_base, std::string pids_base)
      : memory_base_(std::move(memory_base)), pids_base_(std::move(pids_base)) {}

  StatusOr<std::unique_ptr<ActionCgroup>> Create(const CgroupLimits& limits) override {
    const std::string name = NextActionCgroupName();
    const std::string memory_dir = memory_base_ + "/" + name, pids_dir = pids_base_ + "/" + name;
    if (::mkdir(memory_dir.c_str(), 0755) != 0) return ErrnoStatus("create cgroup", memory_dir, errno);
    if (::mkdir(pids_dir.c_str(), 0755) != 0) {
      const int error = errno;
      ::rmdir(memory_dir.c_str());
      return ErrnoStatus("create cgroup", pids_dir, error);
    }
    auto cgroup = std::make_unique<CgroupV1>(memory_dir, pids_dir);  // Removes both on failure.
    if (limits.max_memory_bytes > 0) {
      const std::string bytes = std::to_string(limits.max_memory_bytes);
      KILN_RETURN_IF_ERROR(WriteCgroupFile(memory_dir + "/memory.limit_in_bytes", bytes));
      // Without it the kernel would swap the action out instead of stopping it.
      if (::access((memory_dir + "/memory.memsw.limit_in_bytes").c_str(), W_OK) == 0) {
        KILN_RETURN_IF_ERROR(WriteCgroupFile(memory_dir + "/memory.memsw.limit_in_bytes", bytes));
      }
    }
    if (limits.max_processes > 0) {
      KILN_RETURN_IF_ERROR(WriteCgroupFile(pids_dir + "/pids.max", std::to_string(limits.max_processes)));
    }
    return std::unique_ptr<ActionCgroup>(std::move(cgroup));
  }

  std::string Describe() const override { return "cgroup v1 at " + memory_base_ + " and " + pids_base_; }

 private:
  std::string memory_base_, pids_base_;
};

}  // namespace

std::unique_ptr<ActionCgroups> NewCgroupV1(std::string memory_base, std::string pids_base) {
  return std::make_unique<CgroupV1Factory>(std::move(memory_base), std::move(pids_base));
}

}  // namespace kiln
