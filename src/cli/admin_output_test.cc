#include "cli/admin_output.h"

#include <gtest/gtest.h>

#include "common/hasher.h"

namespace kiln {
namespace {

namespace wire = ::kiln::admin::v1;

TEST(AdminOutputTest, TableColumnsAreAlignedAndTrailingBlanksTrimmed) {
  TextTable table({"ID", "STATE", "X"});
  table.AddRow({"worker-long", "active", ""});
  table.AddRow({"w", "drained", "1"});
  EXPECT_EQ(table.Render(),
            "ID           STATE    X\n"
            "worker-long  active\n"
            "w            drained  1\n");
}

TEST(AdminOutputTest, ParsesDigestsWithAndWithoutTheirFunction) {
  const Digest sha = ComputeDigest(DigestFunction::kSha256, "x");
  auto parsed = ParseDigestArgument(sha.ToString());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, sha);
  const Digest blake = ComputeDigest(DigestFunction::kBlake3, "x");
  parsed = ParseDigestArgument("blake3/" + blake.ToString());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, blake);
  for (const char* bad : {"", "abc", "abc/12", "blake3/zz/1", sha.hash().c_str(), "nope/a/1"}) {
    EXPECT_EQ(ParseDigestArgument(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ParseDigestArgument(sha.hash() + "/-1").ok());
  EXPECT_FALSE(ParseDigestArgument(sha.hash() + "/1x").ok());
}

TEST(AdminOutputTest, WorkersShowStateSlotsAndWhatTheyRun) {
  wire::ListWorkersResponse response;
  wire::WorkerInfo* busy = response.add_workers();
  busy->set_id("host-1");
  busy->set_slots(4);
  busy->add_running("operations/a");
  auto* property = busy->add_platform();
  property->set_name("OSFamily");
  property->set_value("linux");
  busy->set_connected(true);
  wire::WorkerInfo* away = response.add_workers();
  away->set_id("host-2");
  away->set_drained(true);
  EXPECT_EQ(FormatWorkers(response),
            "WORKER  STATE           SLOTS  BUSY  PLATFORM        RUNNING\n"
            "host-1  active          4      1     OSFamily=linux  operations/a\n"
            "host-2  drained (away)  ?      0     -               -\n"
            "2 worker(s)\n");
}

TEST(AdminOutputTest, OperationsShowExitCodesErrorsAndAges) {
  wire::ListOperationsResponse response;
  response.set_total(7);
  wire::OperationInfo* ran = response.add_operations();
  ran->set_name("operations/1");
  ran->set_stage("completed");
  ran->set_done(true);
  ran->set_has_exit_code(true);
  ran->set_exit_code(2);
  ran->set_instance_name("main");
  ran->set_worker("w");
  ran->set_created_unix_nanos(1'000'000'000);
  ran->mutable_action_digest()->set_hash("ab");
  ran->mutable_action_digest()->set_size_bytes(3);
  wire::OperationInfo* cancelled = response.add_operations();
  cancelled->set_name("operations/2");
  cancelled->set_stage("completed");
  cancelled->set_done(true);
  cancelled->mutable_status()->set_code(1);
  EXPECT_EQ(FormatOperations(response, 1'000'000'000 + 75'000'000'000),
            "OPERATION     STAGE      EXIT     INSTANCE  WORKER  AGE    ACTION\n"
            "operations/1  completed  2        main      w       1m15s  ab/3\n"
            "operations/2  completed  error 1  \"\"        -       -      /0\n"
            "2 of 7 operation(s)\n");
}

TEST(AdminOutputTest, JsonKeepsTheProtoFieldNames) {
  wire::ServerStatus status;
  status.set_role("frontend");
  status.set_workers(2);
  const std::string json = ToJson(status);
  EXPECT_NE(json.find("\"role\":\"frontend\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"workers\":\"2\""), std::string::npos) << json;  // int64 as a string, per proto3.
  EXPECT_NE(json.find("\"queued_actions\""), std::string::npos) << json;
}

TEST(AdminOutputTest, BytesAndAges) {
  EXPECT_EQ(FormatBytes(312), "312 B");
  EXPECT_EQ(FormatBytes(int64_t{3} << 29), "1.5 GiB");
  EXPECT_EQ(FormatAge(4), "4s");
  EXPECT_EQ(FormatAge(192), "3m12s");
  EXPECT_EQ(FormatAge(7500), "2h05m");
  EXPECT_EQ(FormatAge(3 * 86400 + 4 * 3600), "3d04h");
}

}  // namespace
}  // namespace kiln
