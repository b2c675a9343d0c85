#include "worker/sandbox_mount_plan.h"

#include <sys/mount.h>

#include "gtest/gtest.h"

namespace kiln {
namespace {

// Index of the first step doing `op` on `path`, or -1.
int Find(const MountPlan& plan, MountOp op, const std::string& path) {
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    if (plan.steps[i].op == op && plan.steps[i].path == path) return static_cast<int>(i);
  }
  return -1;
}

TEST(SandboxMountPlanTest, DefaultLayoutWithHiddenWorkDirectory) {
  auto plan = PlanSandboxMounts({{"/"}, "/work/x/root", /*input_root_cloned_by_server=*/true, "/work/x"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_FALSE(plan->steps.empty());
  EXPECT_EQ(plan->steps.front().op, MountOp::kMakePrivate);
  EXPECT_EQ(plan->steps.back().op, MountOp::kPivotRoot);
  EXPECT_EQ(plan->steps.back().path, "/tmp");

  const int clone_root = Find(*plan, MountOp::kCloneTree, "/");
  ASSERT_GE(clone_root, 0);
  EXPECT_EQ(plan->steps[clone_root].attributes, uint64_t{MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID});
  EXPECT_GT(Find(*plan, MountOp::kAttachTree, "/tmp"), clone_root);
  EXPECT_EQ(Find(*plan, MountOp::kCloneTree, "/dev"), -1);  // Part of "/".
  EXPECT_GE(Find(*plan, MountOp::kMountTmpfs, "/tmp/dev/shm"), 0);
  EXPECT_GE(Find(*plan, MountOp::kMountTmpfs, "/tmp/tmp"), 0);
  EXPECT_GE(Find(*plan, MountOp::kMountProc, "/tmp/proc"), 0);

  // The input root comes from the server, through the empty read-only work directory.
  EXPECT_EQ(Find(*plan, MountOp::kCloneTree, "/work/x/root"), -1);
  ASSERT_GE(plan->input_root_tree, 0);
  const int skeleton = Find(*plan, MountOp::kMountTmpfs, "/tmp/work/x");
  const int attach = Find(*plan, MountOp::kAttachTree, "/tmp/work/x/root");
  const int read_only = Find(*plan, MountOp::kMakeReadOnly, "/tmp/work/x");
  ASSERT_GE(skeleton, 0);
  EXPECT_GT(Find(*plan, MountOp::kMakeDirectory, "/tmp/work/x/root"), skeleton);
  EXPECT_GT(attach, skeleton);
  EXPECT_GT(read_only, attach);
  EXPECT_EQ(plan->steps[attach].tree, plan->input_root_tree);
}

TEST(SandboxMountPlanTest, InputRootBelowTmpIsClonedBeforeTmpIsReplaced) {
  auto plan = PlanSandboxMounts({{"/"}, "/tmp/a/root", /*input_root_cloned_by_server=*/false, ""});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const int clone = Find(*plan, MountOp::kCloneTree, "/tmp/a/root");
  const int tmp = Find(*plan, MountOp::kMountTmpfs, "/tmp/tmp");
  ASSERT_GE(clone, 0);
  EXPECT_LT(clone, Find(*plan, MountOp::kAttachTree, "/tmp"));  // Before anything covers /tmp.
  EXPECT_EQ(plan->steps[clone].attributes, uint64_t{MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV});
  EXPECT_GT(Find(*plan, MountOp::kMakeDirectory, "/tmp/tmp/a"), tmp);
  EXPECT_GT(Find(*plan, MountOp::kAttachTree, "/tmp/tmp/a/root"), tmp);
  EXPECT_EQ(Find(*plan, MountOp::kMakeReadOnly, "/tmp/tmp/a"), -1);
}

TEST(SandboxMountPlanTest, WithoutRootOnlyTheListedPathsAndDevOnAReadOnlyTmpfs) {
  auto plan = PlanSandboxMounts({{"/usr/", "/etc/passwd"}, "", false, ""});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_GE(Find(*plan, MountOp::kMountTmpfs, "/tmp"), 0);
  EXPECT_GE(Find(*plan, MountOp::kCloneTree, "/usr"), 0);
  EXPECT_GE(Find(*plan, MountOp::kAttachTree, "/tmp/usr"), 0);
  EXPECT_GE(Find(*plan, MountOp::kMakeFile, "/tmp/etc/passwd"), 0);  // A file gets a file.
  EXPECT_GE(Find(*plan, MountOp::kMakeDirectory, "/tmp/etc"), 0);
  EXPECT_GE(Find(*plan, MountOp::kCloneTree, "/dev"), 0);
  EXPECT_GE(Find(*plan, MountOp::kAttachTree, "/tmp/dev"), 0);
  EXPECT_EQ(plan->input_root_tree, -1);
  const int read_only = Find(*plan, MountOp::kMakeReadOnly, "/tmp");
  ASSERT_GE(read_only, 0);
  EXPECT_EQ(read_only + 1, static_cast<int>(plan->steps.size()) - 1);  // Right before pivot_root.
}

TEST(SandboxMountPlanTest, RejectsRelativeAndMissingPaths) {
  EXPECT_EQ(PlanSandboxMounts({{"usr"}, "", false, ""}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PlanSandboxMounts({{"/usr/../etc"}, "", false, ""}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PlanSandboxMounts({{"/kiln-no-such-path"}, "", false, ""}).status().code(), StatusCode::kNotFound);
}

TEST(SandboxMountPlanTest, DescribesSteps) {
  EXPECT_EQ(DescribeMountStep({MountOp::kMountTmpfs, "/tmp/tmp"}), "mount tmpfs on /tmp/tmp");
  EXPECT_EQ(DescribeMountStep({MountOp::kPivotRoot, "/tmp"}), "pivot_root to /tmp");
}

}  // namespace
}  // namespace kiln
