#include "auth/permission.h"

#include <gtest/gtest.h>

#include <set>

namespace kiln {
namespace {

TEST(PermissionTest, NamesRoundTrip) {
  std::set<std::string_view> names;
  for (Permission permission : kAllPermissions) {
    std::string_view name = PermissionName(permission);
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_EQ(ParsePermission(name), permission) << name;
  }
  EXPECT_EQ(names.size(), 11u);
  EXPECT_EQ(PermissionName(Permission::kCasRead), "cas-read");
  EXPECT_EQ(PermissionName(Permission::kAssetFetch), "asset-fetch");
  EXPECT_EQ(PermissionName(Permission::kAdmin), "admin");
}

TEST(PermissionTest, RejectsUnknownAndNearMissNames) {
  EXPECT_EQ(ParsePermission(""), std::nullopt);
  EXPECT_EQ(ParsePermission("CAS-READ"), std::nullopt);
  EXPECT_EQ(ParsePermission("cas_read"), std::nullopt);
  EXPECT_EQ(ParsePermission("*"), std::nullopt);
}

TEST(PermissionTest, SetMembership) {
  PermissionSet set;
  EXPECT_TRUE(set.empty());
  set.Add(Permission::kExecute);
  set.Add(Permission::kCasRead);
  EXPECT_FALSE(set.empty());
  EXPECT_TRUE(set.Contains(Permission::kCasRead));
  EXPECT_TRUE(set.Contains(Permission::kExecute));
  EXPECT_FALSE(set.Contains(Permission::kCasWrite));
  EXPECT_FALSE(set.Contains(Permission::kAdmin));
  EXPECT_EQ(set.ToString(), "cas-read, execute");
}

}  // namespace
}  // namespace kiln
