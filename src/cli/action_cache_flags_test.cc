// `kiln serve --action-cache`: what it resolves to, and the combinations refused before
// anything starts.
#include "cli/action_cache_flags.h"

#include <gtest/gtest.h>

#include "cli/backplane_flags.h"
#include "cli/serve_command.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

StatusOr<ServerOptions> Resolve(const std::vector<std::string>& args) {
  ServerOptions options;
  FlagSet flags("test", "");
  AddBackplaneFlags(flags, options);
  ActionCacheFlags action_cache;
  AddActionCacheFlags(flags, action_cache);
  flags.AddBytes("max-ac-bytes", &options.max_ac_bytes, "");
  KILN_RETURN_IF_ERROR(flags.Parse(args));
  KILN_RETURN_IF_ERROR(ResolveActionCacheFlags(flags, action_cache, options));
  return options;
}

TEST(ActionCacheFlagsTest, TheDefaultIsTheStorageAndNeedsNoRedis) {
  auto options = Resolve({});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->action_cache, ActionCacheLocation::kStorage);
}

TEST(ActionCacheFlagsTest, RedisTakesItsTtlAndSizeCap) {
  auto options = Resolve({"--backplane", "redis://127.0.0.1:6379", "--action-cache", "redis", "--action-cache-ttl",
                          "2h", "--action-cache-max-entry-bytes", "64K"});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->action_cache, ActionCacheLocation::kRedis);
  EXPECT_EQ(options->redis_action_cache.ttl, std::chrono::hours(2));
  EXPECT_EQ(options->redis_action_cache.max_entry_bytes, 64 * 1024);
}

TEST(ActionCacheFlagsTest, MistakesAreRefusedBeforeAnythingStartsNamingTheFlag) {
  TempDir dir;
  const std::vector<std::string> base = {"--listen", "127.0.0.1:0", "--data-dir", dir.path()};
  const std::string backplane = "--backplane=redis://127.0.0.1:1";
  for (const auto& [extra, named] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--action-cache", "memcached"}, "--action-cache must be storage or redis, not \"memcached\""},
           {{"--action-cache", "redis"}, "--action-cache redis needs --backplane"},
           {{"--action-cache-ttl", "1h"}, "--action-cache-ttl needs --action-cache redis"},
           {{backplane, "--action-cache-max-entry-bytes", "1K"}, "--action-cache-max-entry-bytes needs --action-cache redis"},
           {{backplane, "--action-cache", "redis", "--action-cache-ttl", "0s"}, "--action-cache-ttl must be at least 1s"},
           {{backplane, "--action-cache", "redis", "--max-ac-bytes", "1G"}, "--max-ac-bytes does not apply"},
           {{"--role", "storage", "--action-cache", "redis"}, "--role storage takes no --action-cache redis"},
           {{"--cas", "grpc://127.0.0.1:1,grpc://127.0.0.1:2"}, "with several --cas storage nodes the action cache "
                                                                "must be in Redis"},
       }) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(RunServeCommand(args), 2) << named;
    const std::string error = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(error.find(named), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace kiln
