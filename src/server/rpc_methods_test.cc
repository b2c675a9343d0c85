#include "server/rpc_methods.h"

#include <gtest/gtest.h>

#include "auth/rpc_permissions.h"

namespace kiln {
namespace {

TEST(RpcMethodsTest, EveryMethodTheServicesCheckHasAPermission) {
  for (const char* method : rpc::kAll) {
    EXPECT_TRUE(RequirementForMethod(method).has_value()) << method << " is not in the permission table";
  }
}

}  // namespace
}  // namespace kiln
