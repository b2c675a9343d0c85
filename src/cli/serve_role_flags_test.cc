// `kiln serve --role` and `--cas`: what a storage node refuses, what --cas needs, and what
// each resolves to.
#include "cli/serve_role_flags.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

// Parses `args` as kiln serve would (with --workers and --allow-remote-workers defaults
// that turn execution on) and resolves the role flags, with `backplane` as --backplane.
StatusOr<ServerOptions> Resolve(const std::vector<std::string>& args, const std::string& backplane = "") {
  ServerOptions options;
  options.workers = 4;
  options.backplane.url = backplane;
  FlagSet flags("test", "");
  ServeRoleFlags role_flags;
  AddServeRoleFlags(flags, role_flags);
  flags.AddInt("workers", &options.workers, "");
  flags.AddBool("allow-remote-workers", &options.allow_remote_workers, "");
  std::string sandbox;
  flags.AddString("sandbox", &sandbox, "");
  flags.AddBytes("max-ac-bytes", &options.max_ac_bytes, "");
  KILN_RETURN_IF_ERROR(flags.Parse(args));
  KILN_RETURN_IF_ERROR(ResolveServeRoleFlags(flags, role_flags, options));
  return options;
}

void ExpectRefused(const std::vector<std::string>& args, const std::string& named) {
  auto resolved = Resolve(args);
  ASSERT_FALSE(resolved.ok()) << named;
  EXPECT_EQ(resolved.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(resolved.status().message().find(named), std::string::npos) << resolved.status().message();
}

TEST(ServeRoleFlagsTest, DefaultIsAFrontendOnItsOwnDisk) {
  auto options = Resolve({});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->role, ServerRole::kAll);
  EXPECT_TRUE(options->storage.target.empty());
  EXPECT_EQ(options->workers, 4);
}

TEST(ServeRoleFlagsTest, AStorageNodeHasNoWorkers) {
  auto options = Resolve({"--role", "storage"});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->role, ServerRole::kStorage);
  EXPECT_EQ(options->workers, 0);
  EXPECT_FALSE(options->allow_remote_workers);
  // Turning them off explicitly is fine.
  EXPECT_TRUE(Resolve({"--role=storage", "--workers=0", "--allow-remote-workers=false"}).ok());
}

TEST(ServeRoleFlagsTest, AStorageNodeRefusesSchedulerFlags) {
  ExpectRefused({"--role", "storage", "--workers", "2"}, "--workers");
  ExpectRefused({"--role", "storage", "--allow-remote-workers"}, "--allow-remote-workers");
  ExpectRefused({"--role", "storage", "--sandbox", "none"}, "--sandbox");
  ExpectRefused({"--role", "storage", "--cas", "grpc://127.0.0.1:1"}, "--cas");
  ExpectRefused({"--role", "scheduler"}, "--role");
}

TEST(ServeRoleFlagsTest, CasFlagsNeedCasAndAFittingScheme) {
  auto options = Resolve({"--cas", "grpc://127.0.0.1:9000"});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->storage.target, "grpc://127.0.0.1:9000");
  EXPECT_EQ(options->workers, 4);
  ExpectRefused({"--cas-token-file", "/nonexistent"}, "--cas-token-file needs --cas or --backplane");
  ExpectRefused({"--cas-tls-ca", "/nonexistent"}, "--cas-tls-ca needs --cas or --backplane");
  ExpectRefused({"--cas", "grpc://127.0.0.1:9000", "--cas-tls-ca", "/etc/hostname"}, "grpcs://");
  ExpectRefused({"--cas", "grpcs://127.0.0.1:9000", "--cas-tls-cert", "/etc/hostname"}, "--cas-tls-key");
  ExpectRefused({"--cas", "https://storage:9000"}, "--cas");
  ExpectRefused({"--cas", "grpc://127.0.0.1:9000", "--max-ac-bytes", "1G"}, "--max-ac-bytes");
}

TEST(ServeRoleFlagsTest, AStorageNodeOfARingReachesTheOtherNodesWithTheCasFlags) {
  auto options = Resolve({"--role", "storage", "--workers", "0", "--cas-token-file", "/etc/hostname"},
                         "redis://127.0.0.1:6379");
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->storage.token_file, "/etc/hostname");
  EXPECT_TRUE(options->storage.target.empty());
  EXPECT_FALSE(Resolve({"--role", "storage", "--workers", "0", "--replication", "2"}, "redis://127.0.0.1:6379").ok());
}

TEST(ServeRoleFlagsTest, SeveralStorageNodesWithAReplicationFactor) {
  auto options = Resolve({"--cas", "grpc://127.0.0.1:9000,grpc://127.0.0.1:9001,grpc://127.0.0.1:9002",
                          "--replication", "3"});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->storage.target, "grpc://127.0.0.1:9000,grpc://127.0.0.1:9001,grpc://127.0.0.1:9002");
  EXPECT_EQ(options->storage_replication, 3);
  EXPECT_EQ(Resolve({"--cas", "grpc://127.0.0.1:9000,grpc://127.0.0.1:9001"})->storage_replication, 2);
  ExpectRefused({"--cas", "grpc://127.0.0.1:9000,grpc://127.0.0.1:9001", "--replication", "3"},
                "needs at least as many --cas storage nodes");
  ExpectRefused({"--cas", "grpc://127.0.0.1:9000", "--replication", "2"}, "--replication needs several");
  ExpectRefused({"--replication", "2"}, "--replication needs --cas or --backplane");
  ExpectRefused({"--cas", "grpc://127.0.0.1:9000,grpc://127.0.0.1:9000"}, "listed twice");
  ExpectRefused({"--cas", "grpc://127.0.0.1:9000,https://storage:9000"}, "--cas");
  ExpectRefused({"--cas", "grpc://127.0.0.1:9000,grpcs://127.0.0.1:9001", "--cas-tls-ca", "/etc/hostname"},
                "grpcs://");
}

TEST(ServeRoleFlagsTest, PresenceTtlIsForSeveralNodesAndShorterThanTheGracePeriod) {
  const std::string nodes = "grpc://127.0.0.1:9000,grpc://127.0.0.1:9001";
  EXPECT_EQ(Resolve({"--cas", nodes})->storage_presence_ttl, std::chrono::seconds(30));
  EXPECT_EQ(Resolve({"--cas", nodes, "--ring-presence-ttl", "0"})->storage_presence_ttl, Duration::zero());
  EXPECT_EQ(Resolve({"--cas", nodes, "--ring-presence-ttl", "2m"})->storage_presence_ttl, std::chrono::minutes(2));
  // The default grace period is 10 minutes: the ttl must leave clients some of it.
  ExpectRefused({"--cas", nodes, "--ring-presence-ttl", "10m"}, "shorter than --find-missing-grace");
  ExpectRefused({"--cas", "grpc://127.0.0.1:9000", "--ring-presence-ttl", "1s"}, "--ring-presence-ttl needs several");
  ExpectRefused({"--ring-presence-ttl", "1s"}, "--ring-presence-ttl needs --cas");
}

TEST(ServeRoleFlagsTest, HandoffIntervalIsForSeveralNodesAndPositive) {
  const std::string nodes = "grpc://127.0.0.1:9000,grpc://127.0.0.1:9001";
  EXPECT_EQ(Resolve({"--cas", nodes})->storage_handoff_interval, std::chrono::seconds(30));
  EXPECT_EQ(Resolve({"--cas", nodes, "--ring-handoff-interval", "1s"})->storage_handoff_interval,
            std::chrono::seconds(1));
  ExpectRefused({"--cas", nodes, "--ring-handoff-interval", "0"}, "more than 0");
  ExpectRefused({"--cas", "grpc://127.0.0.1:9000", "--ring-handoff-interval", "1s"},
                "--ring-handoff-interval needs several");
  ExpectRefused({"--ring-handoff-interval", "1s"}, "--ring-handoff-interval needs --cas");
}

}  // namespace
}  // namespace kiln
