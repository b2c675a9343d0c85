#include "bench/bench_report.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

namespace kiln {
namespace {

using std::chrono::milliseconds;

ScenarioResult Result(std::string name, RateUnit unit, LimitKind limit) {
  ScenarioResult result;
  result.info = {std::move(name), "a test scenario", unit, limit, 0};
  result.in_flight = 8;
  result.elapsed = std::chrono::seconds(2);
  return result;
}

BenchReport SampleReport() {
  BenchReport report;
  report.target = "127.0.0.1:1234";
  report.duration = std::chrono::seconds(2);
  report.connections = 4;
  report.concurrency = 64;
  report.limits = {2000, 3000, milliseconds(1)};

  ScenarioResult write = Result("bytestream_write", RateUnit::kBytes, LimitKind::kSha256);
  write.ops = 100;
  write.bytes = 1'000'000'000;  // 500 MB/s over 2 s: a quarter of SHA-256.
  write.latency.Record(milliseconds(20));
  write.client_cpu_cores = 0.75;
  ScenarioResult execute = Result("execute_uncached", RateUnit::kOperations, LimitKind::kNone);
  execute.in_flight = 1;
  execute.ops = 10;
  execute.errors = 2;
  execute.first_error = "UNAVAILABLE: \"worker\" gone";
  for (int i = 0; i < 10; ++i) execute.latency.Record(milliseconds(5));
  ScenarioResult broken = Result("batch_read", RateUnit::kOperations, LimitKind::kLoopbackTcp);
  broken.setup_error = "UNAVAILABLE: cannot upload";
  report.results = {write, execute, broken};
  return report;
}

TEST(BenchReportTest, ShareOfLimitUsesTheScenariosLimit) {
  const BenchReport report = SampleReport();
  const auto write_share = ShareOfLimit(report.results[0], report.limits);
  ASSERT_TRUE(write_share.has_value());
  EXPECT_DOUBLE_EQ(*write_share, 0.25);
  EXPECT_FALSE(ShareOfLimit(report.results[1], report.limits).has_value());  // No limit.
  EXPECT_FALSE(ShareOfLimit(report.results[2], report.limits).has_value());  // Nothing ran.
}

TEST(BenchReportTest, ExecOverheadIsTheP50AboveForkExec) {
  const BenchReport report = SampleReport();
  const auto overhead = ExecOverhead(report.results[1], report.limits);
  ASSERT_TRUE(overhead.has_value());
  const double overhead_ms = std::chrono::duration<double, std::milli>(*overhead).count();
  EXPECT_NEAR(overhead_ms, 4.0, 0.2);
  EXPECT_FALSE(ExecOverhead(report.results[0], report.limits).has_value());
}

TEST(BenchReportTest, TableShowsEveryScenarioItsRateAndItsFirstError) {
  const std::string table = FormatReportTable(SampleReport());
  EXPECT_NE(table.find("SHA-256 2000 MB/s"), std::string::npos) << table;
  EXPECT_NE(table.find("500 MB/s"), std::string::npos) << table;
  EXPECT_NE(table.find("25%"), std::string::npos) << table;
  EXPECT_NE(table.find("5/s"), std::string::npos) << table;
  EXPECT_NE(table.find("over fork/exec"), std::string::npos) << table;
  EXPECT_NE(table.find("0.75"), std::string::npos) << table;
  EXPECT_NE(table.find("execute_uncached: first error: UNAVAILABLE"), std::string::npos) << table;
  EXPECT_NE(table.find("batch_read: setup: UNAVAILABLE: cannot upload"), std::string::npos) << table;
}

TEST(BenchReportTest, JsonParsesAndCarriesTheSameFigures) {
  google::protobuf::Struct json;
  const auto parsed = google::protobuf::util::JsonStringToMessage(FormatReportJson(SampleReport()), &json);
  ASSERT_TRUE(parsed.ok()) << parsed.ToString();
  EXPECT_EQ(json.fields().at("target").string_value(), "127.0.0.1:1234");
  EXPECT_DOUBLE_EQ(json.fields().at("limits").struct_value().fields().at("sha256_mb_per_s").number_value(), 2000);
  const auto& scenarios = json.fields().at("scenarios").list_value().values();
  ASSERT_EQ(scenarios.size(), 3);
  const auto& write = scenarios[0].struct_value().fields();
  EXPECT_EQ(write.at("name").string_value(), "bytestream_write");
  EXPECT_DOUBLE_EQ(write.at("mb_per_s").number_value(), 500);
  EXPECT_DOUBLE_EQ(write.at("share_of_limit").number_value(), 0.25);
  EXPECT_DOUBLE_EQ(write.at("client_cpu_cores").number_value(), 0.75);
  const auto& execute = scenarios[1].struct_value().fields();
  EXPECT_EQ(execute.at("errors").number_value(), 2);
  EXPECT_EQ(execute.at("first_error").string_value(), "UNAVAILABLE: \"worker\" gone");
  EXPECT_TRUE(execute.at("share_of_limit").has_null_value());
  EXPECT_EQ(scenarios[2].struct_value().fields().at("setup_error").string_value(), "UNAVAILABLE: cannot upload");
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(BenchReportTest, ChunkedUploadsReportTheShareSent) {
  BenchReport report = SampleReport();
  ScenarioResult chunked = Result("chunked_reupload", RateUnit::kBytes, LimitKind::kNone);
  chunked.info.logical_bytes_per_op = 64 << 20;
  chunked.ops = 4;
  chunked.bytes = 4 * (64 << 20) / 50;  // 2% of each blob.
  report.results.push_back(chunked);
  ASSERT_TRUE(SentShare(chunked).has_value());
  EXPECT_NEAR(*SentShare(chunked), 0.02, 1e-6);
  EXPECT_FALSE(SentShare(report.results[0]).has_value());
  EXPECT_NE(FormatReportTable(report).find("sent 2.00% of each 64 MiB blob"), std::string::npos)
      << FormatReportTable(report);
  EXPECT_NE(FormatReportJson(report).find("\"sent_share\": 0.02"), std::string::npos) << FormatReportJson(report);
}

}  // namespace
}  // namespace kiln
