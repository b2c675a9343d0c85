#include "server/resource_name_header.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

constexpr char kName[] = "main/blobs/2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae/3";

TEST(ResourceNameHeaderTest, AbsentHeaderIsFine) {
  EXPECT_TRUE(CheckResourceNameHeader(Metadata{}, kName).ok());
  const Metadata other{{"user-agent", "bazel"}};
  EXPECT_TRUE(CheckResourceNameHeader(other, kName).ok());
}

TEST(ResourceNameHeaderTest, MatchingHeaderIsFine) {
  const Metadata metadata{{"build.bazel.remote.execution.v2.resource-name", kName}};
  EXPECT_TRUE(CheckResourceNameHeader(metadata, kName).ok());
}

TEST(ResourceNameHeaderTest, AnyDisagreeingValueIsInvalidArgument) {
  const Metadata other_blob{{"build.bazel.remote.execution.v2.resource-name", "main/blobs/abc/3"}};
  Status status = CheckResourceNameHeader(other_blob, kName);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("\"main/blobs/abc/3\" does not match"), std::string::npos) << status.ToString();
  // An empty value is a header that is present, and says something else.
  const Metadata empty{{"build.bazel.remote.execution.v2.resource-name", ""}};
  EXPECT_EQ(CheckResourceNameHeader(empty, kName).code(), StatusCode::kInvalidArgument);
  const Metadata one_of_two{{"build.bazel.remote.execution.v2.resource-name", kName},
                            {"build.bazel.remote.execution.v2.resource-name", "main/blobs/abc/3"}};
  EXPECT_EQ(CheckResourceNameHeader(one_of_two, kName).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
