#include "worker/sandbox_mount_plan.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "common/file_util.h"

namespace kiln {
namespace {

constexpr uint64_t kReadOnlyAttributes = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
constexpr uint64_t kInputRootAttributes = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;

// Where a sandbox path is while the new root is assembled under kStagingRoot.
std::string Staged(const std::string& path) { return path == "/" ? kStagingRoot : kStagingRoot + path; }

bool IsWithin(const std::string& path, const std::string& ancestor) {
  if (ancestor == "/") return true;
  return path == ancestor || (path.size() > ancestor.size() && path.compare(0, ancestor.size(), ancestor) == 0 &&
                              path[ancestor.size()] == '/');
}

StatusOr<std::string> Normalized(std::string path) {
  if (path.empty() || path.front() != '/') return Status::InvalidArgument("sandbox path \"" + path + "\" is not absolute");
  if (path.find("/../") != std::string::npos || path.ends_with("/..")) {
    return Status::InvalidArgument("sandbox path \"" + path + "\" contains \"..\"");
  }
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

class PlanBuilder {
 public:
  int CloneTree(const std::string& host_path, uint64_t attributes) {
    plan_.steps.push_back({MountOp::kCloneTree, host_path, plan_.tree_count, attributes, ""});
    return plan_.tree_count++;
  }
  int ReserveInputRoot() {
    plan_.input_root_tree = plan_.tree_count++;
    return plan_.input_root_tree;
  }
  void Add(MountOp op, const std::string& path, const std::string& options = "") {
    plan_.steps.push_back({op, path, -1, 0, options});
  }
  void Attach(int tree, const std::string& path) { plan_.steps.push_back({MountOp::kAttachTree, path, tree, 0, ""}); }
  // Every directory from below the staging root down to `path` (mkdir -p).
  void MakeDirectories(const std::string& path) {
    for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      const std::string prefix = path.substr(0, slash);
      if (prefix.size() > std::string_view(kStagingRoot).size()) Add(MountOp::kMakeDirectory, prefix);
    }
    Add(MountOp::kMakeDirectory, path);
  }
  MountPlan Finish() { return std::move(plan_); }

 private:
  MountPlan plan_;
};

struct ReadOnlySource {
  std::string path;
  bool is_directory;
  int tree = -1;
};

StatusOr<std::vector<ReadOnlySource>> ReadOnlySources(const std::vector<std::string>& paths) {
  std::vector<ReadOnlySource> sources;
  for (const std::string& raw : paths) {
    auto path = Normalized(raw);
    if (!path.ok()) return path.status();
    struct stat st {};
    if (::stat(path->c_str(), &st) != 0) return ErrnoStatus("sandbox read-only path", *path, errno);
    sources.push_back({*path, S_ISDIR(st.st_mode)});
  }
  // Programs need /dev/null and friends; device nodes work on a read-only mount.
  if (std::none_of(sources.begin(), sources.end(), [](const auto& s) { return IsWithin("/dev", s.path); })) {
    sources.push_back({"/dev", true});
  }
  // Parents before children, so that a child is attached on top of its parent.
  std::sort(sources.begin(), sources.end(), [](const auto& a, const auto& b) { return a.path.size() < b.path.size(); });
  return sources;
}

// The new root: a clone of "/" if that is read-only, else a tmpfs holding the listed paths.
void AttachReadOnlySources(const std::vector<ReadOnlySource>& sources, PlanBuilder& plan) {
  if (sources.front().path == "/") {
    plan.Attach(sources.front().tree, Staged("/"));
  } else {
    plan.Add(MountOp::kMountTmpfs, Staged("/"), "mode=0755");
  }
  for (const ReadOnlySource& source : sources) {
    if (source.path == "/") continue;
    const std::string staged = Staged(source.path);
    if (source.is_directory) {
      plan.MakeDirectories(staged);
    } else {
      plan.MakeDirectories(staged.substr(0, staged.rfind('/')));
      plan.Add(MountOp::kMakeFile, staged);
    }
    plan.Attach(source.tree, staged);
  }
}

void AttachInputRoot(const MountPlanRequest& request, int input_tree, PlanBuilder& plan) {
  const std::string& hidden = request.unsearchable_ancestor;
  if (!hidden.empty()) {
    plan.MakeDirectories(Staged(hidden));
    plan.Add(MountOp::kMountTmpfs, Staged(hidden), "mode=0755");
  }
  plan.MakeDirectories(Staged(request.input_root));
  plan.Attach(input_tree, Staged(request.input_root));
  if (!hidden.empty()) plan.Add(MountOp::kMakeReadOnly, Staged(hidden));
}

}  // namespace

StatusOr<MountPlan> PlanSandboxMounts(const MountPlanRequest& request) {
  auto sources = ReadOnlySources(request.read_only_paths);
  if (!sources.ok()) return sources.status();
  const bool has_root = sources->front().path == "/";

  PlanBuilder plan;
  plan.Add(MountOp::kMakePrivate, "/");
  // Every source is cloned before anything is mounted over a host path that could hide it.
  for (ReadOnlySource& source : *sources) source.tree = plan.CloneTree(source.path, kReadOnlyAttributes);
  int input_tree = -1;
  if (!request.input_root.empty()) {
    input_tree = request.input_root_cloned_by_server ? plan.ReserveInputRoot()
                                                     : plan.CloneTree(request.input_root, kInputRootAttributes);
  }

  AttachReadOnlySources(*sources, plan);
  struct stat st {};
  const std::string tmpfs_options =
      "mode=1777" + (request.tmpfs_size_bytes > 0 ? ",size=" + std::to_string(request.tmpfs_size_bytes) : std::string());
  if (::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) plan.Add(MountOp::kMountTmpfs, Staged("/dev/shm"), tmpfs_options);
  plan.MakeDirectories(Staged("/tmp"));
  plan.Add(MountOp::kMountTmpfs, Staged("/tmp"), tmpfs_options);
  if (input_tree >= 0) AttachInputRoot(request, input_tree, plan);
  plan.MakeDirectories(Staged("/proc"));
  plan.Add(MountOp::kMountProc, Staged("/proc"));
  if (!has_root) plan.Add(MountOp::kMakeReadOnly, Staged("/"));
  plan.Add(MountOp::kPivotRoot, Staged("/"));
  return plan.Finish();
}

StatusOr<UniqueFd> CloneInputRoot(const std::string& input_root) {
  UniqueFd tree(static_cast<int>(::open_tree(AT_FDCWD, input_root.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
  if (!tree.valid()) return ErrnoStatus("clone mount tree", input_root, errno);
  struct mount_attr attr {};
  attr.attr_set = kInputRootAttributes;
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) != 0) {
    return ErrnoStatus("set mount attributes", input_root, errno);
  }
  return tree;
}

std::string DescribeMountStep(const MountStep& step) {
  switch (step.op) {
    case MountOp::kMakePrivate:
      return "make mounts private";
    case MountOp::kCloneTree:
      return "clone mount tree " + step.path;
    case MountOp::kAttachTree:
      return "attach mount tree at " + step.path;
    case MountOp::kMountTmpfs:
      return "mount tmpfs on " + step.path;
    case MountOp::kMountProc:
      return "mount proc on " + step.path;
    case MountOp::kMakeDirectory:
      return "create directory " + step.path;
    case MountOp::kMakeFile:
      return "create mount point " + step.path;
    case MountOp::kMakeReadOnly:
      return "make " + step.path + " read-only";
    case MountOp::kPivotRoot:
      return "pivot_root to " + step.path;
  }
  return "mount step";
}

}  // namespace kiln
