#include "server/access_log.h"

#include <gtest/gtest.h>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "google/bytestream/bytestream.pb.h"

namespace kiln {
namespace {

namespace reapi = build::bazel::remote::execution::v2;

TEST(AccessLogTest, TheInstanceComesFromTheRequestOrTheResourceName) {
  reapi::FindMissingBlobsRequest find;
  find.set_instance_name("team/a");
  EXPECT_EQ(InstanceOfRequest(find), "team/a");
  google::bytestream::ReadRequest read;
  read.set_resource_name("team/a/blobs/abc/3");
  EXPECT_EQ(InstanceOfRequest(read), "team/a");
  read.set_resource_name("blobs/abc/3");
  EXPECT_EQ(InstanceOfRequest(read), "");
  google::bytestream::WriteRequest write;
  write.set_resource_name("main/uploads/1234/blobs/abc/3");
  EXPECT_EQ(InstanceOfRequest(write), "main");
  EXPECT_EQ(InstanceOfRequest(reapi::GetCapabilitiesRequest()), "");
  EXPECT_EQ(InstanceOfRequest(google::bytestream::QueryWriteStatusRequest()), "");
}

TEST(AccessLogTest, NoInterceptorWhenBothLogsAreOff) {
  EXPECT_EQ(NewCallLogInterceptorFactory(CallLogOptions()), nullptr);
  CallLogOptions slow;
  slow.slow_call = std::chrono::seconds(1);
  EXPECT_NE(NewCallLogInterceptorFactory(slow), nullptr);
}

}  // namespace
}  // namespace kiln
