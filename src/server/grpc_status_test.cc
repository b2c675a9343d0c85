#include "server/grpc_status.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"

namespace kiln {
namespace {

std::vector<std::string> Subjects(size_t count) {
  std::vector<std::string> subjects;
  for (size_t i = 0; i < count; ++i) subjects.push_back("blobs/" + std::string(64, 'a' + i % 6) + "/" + std::to_string(i));
  return subjects;
}

google::rpc::PreconditionFailure FailureIn(const grpc::Status& status) {
  google::rpc::Status details;
  EXPECT_TRUE(details.ParseFromString(status.error_details()));
  google::rpc::PreconditionFailure failure;
  EXPECT_EQ(details.details_size(), 1);
  if (details.details_size() == 1) EXPECT_TRUE(details.details(0).UnpackTo(&failure));
  return failure;
}

TEST(GrpcStatusTest, PlainErrorsHaveNoDetails) {
  grpc::Status status = ToGrpcStatus(Status::NotFound("no such blob"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no such blob");
  EXPECT_TRUE(status.error_details().empty());
  EXPECT_TRUE(ToGrpcStatus(Status::Ok()).ok());
}

TEST(GrpcStatusTest, MissingBlobsBecomeAPreconditionFailure) {
  grpc::Status status = ToGrpcStatus(Status::FailedPrecondition("inputs missing").WithMissingBlobs(Subjects(3)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "inputs missing");
  const auto failure = FailureIn(status);
  ASSERT_EQ(failure.violations_size(), 3);
  EXPECT_EQ(failure.violations(2).type(), "MISSING");
  EXPECT_EQ(failure.violations(2).subject(), Subjects(3)[2]);
}

// 100,000 missing blobs would be megabytes of trailer that every client refuses: the
// details keep to a few KiB, listing the first blobs, and the message says how many.
TEST(GrpcStatusTest, ManyMissingBlobsAreCutToWhatClientsAccept) {
  const auto subjects = Subjects(100000);
  grpc::Status status = ToGrpcStatus(Status::FailedPrecondition("chunks missing").WithMissingBlobs(subjects));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_LE(status.error_details().size(), 3u * 1024);
  const auto failure = FailureIn(status);
  ASSERT_GT(failure.violations_size(), 10);
  EXPECT_EQ(failure.violations(0).subject(), subjects[0]);
  EXPECT_EQ(failure.violations(failure.violations_size() - 1).subject(), subjects[failure.violations_size() - 1]);
  EXPECT_EQ(status.error_message(), "chunks missing (the details list the first " +
                                        std::to_string(failure.violations_size()) + " of 100000 missing blobs)");
}

}  // namespace
}  // namespace kiln
