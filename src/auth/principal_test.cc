#include "auth/principal.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(InstancePatternTest, EmptyPatternIsExactlyTheEmptyInstance) {
  EXPECT_TRUE(InstancePatternCovers("", ""));
  EXPECT_FALSE(InstancePatternCovers("", "main"));
  EXPECT_FALSE(InstancePatternCovers("", "/"));
}

TEST(InstancePatternTest, PrefixByWholeSegments) {
  EXPECT_TRUE(InstancePatternCovers("team/a", "team/a"));
  EXPECT_TRUE(InstancePatternCovers("team/a", "team/a/x"));
  EXPECT_TRUE(InstancePatternCovers("team/a", "team/a/x/y"));
  EXPECT_FALSE(InstancePatternCovers("team/a", "team/ab"));
  EXPECT_FALSE(InstancePatternCovers("team/a", "team"));
  EXPECT_FALSE(InstancePatternCovers("team/a", ""));
  EXPECT_FALSE(InstancePatternCovers("team/a", "xteam/a"));
  EXPECT_TRUE(InstancePatternCovers("team", "team/a"));
}

Principal MakeCi() {
  Grant cas;
  cas.permissions.Add(Permission::kCasRead);
  cas.permissions.Add(Permission::kCasWrite);
  Grant execute;
  execute.permissions.Add(Permission::kExecute);
  execute.restricted_to_instances = true;
  execute.instances = {"", "team/a"};
  return Principal{"ci", {cas, execute}};
}

TEST(AuthorizeTest, AllowsWhatAGrantCovers) {
  Principal ci = MakeCi();
  EXPECT_TRUE(Authorize(ci, Permission::kCasRead, "anything/at/all").ok());
  EXPECT_TRUE(Authorize(ci, Permission::kCasWrite, "").ok());
  EXPECT_TRUE(Authorize(ci, Permission::kExecute, "").ok());
  EXPECT_TRUE(Authorize(ci, Permission::kExecute, "team/a/linux").ok());
}

TEST(AuthorizeTest, WorkerAlsoGrantsWhatRunningActionsTakesAndNothingMore) {
  Grant worker;
  worker.permissions.Add(Permission::kWorker);
  const Principal builder{"builder-7", {worker}};
  for (Permission implied : {Permission::kWorker, Permission::kCasRead, Permission::kCasWrite, Permission::kLogsWrite}) {
    EXPECT_TRUE(Authorize(builder, implied, "").ok()) << PermissionName(implied);
  }
  for (Permission not_implied : {Permission::kAcRead, Permission::kAcWrite, Permission::kExecute, Permission::kLogsRead,
                                 Permission::kAssetFetch, Permission::kAssetPush, Permission::kAdmin}) {
    EXPECT_EQ(Authorize(builder, not_implied, "").code(), StatusCode::kPermissionDenied) << PermissionName(not_implied);
  }
  // Only on the instances of the worker grant.
  worker.restricted_to_instances = true;
  worker.instances = {"farm"};
  const Principal restricted{"builder-8", {worker}};
  EXPECT_TRUE(Authorize(restricted, Permission::kCasWrite, "farm/x").ok());
  EXPECT_EQ(Authorize(restricted, Permission::kCasWrite, "other").code(), StatusCode::kPermissionDenied);
}

TEST(AuthorizeTest, DeniesNamingPrincipalPermissionAndInstance) {
  Principal ci = MakeCi();
  Status denied = Authorize(ci, Permission::kExecute, "team/ab");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "principal \"ci\" lacks permission execute on instance \"team/ab\"");
  EXPECT_EQ(Authorize(ci, Permission::kAcWrite, "").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(ci, Permission::kAdmin, "").code(), StatusCode::kPermissionDenied);
}

TEST(AuthorizeTest, AnyGrantForTheInstance) {
  Principal ci = MakeCi();
  EXPECT_TRUE(AuthorizeAnyGrant(ci, "other").ok());  // The cas grant covers every instance.
  Grant only_a;
  only_a.permissions.Add(Permission::kAcRead);
  only_a.restricted_to_instances = true;
  only_a.instances = {"team/a"};
  Principal reader{"reader", {only_a}};
  EXPECT_TRUE(AuthorizeAnyGrant(reader, "team/a").ok());
  Status denied = AuthorizeAnyGrant(reader, "team/b");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "principal \"reader\" has no grant on instance \"team/b\"");
  EXPECT_EQ(AuthorizeAnyGrant(Principal{"anonymous", {}}, "").code(), StatusCode::kPermissionDenied);
}

TEST(AuthorizeTest, InstanceNamesInMessagesAreEscaped) {
  Status denied = Authorize(Principal{"p", {}}, Permission::kCasRead, std::string("a\nb\"") + std::string(300, 'x'));
  EXPECT_EQ(denied.message().find('\n'), std::string::npos);
  EXPECT_NE(denied.message().find("a\\x0ab\\\""), std::string::npos);
  EXPECT_LT(denied.message().size(), 200u);
}

}  // namespace
}  // namespace kiln
