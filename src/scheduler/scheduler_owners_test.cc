// Operations belong to the principals that created or joined them: others (unless admin)
// cannot get, watch, cancel or list them, and cannot tell them from unknown names.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "scheduler/operation_owners.h"
#include "scheduler/scheduler.h"
#include "scheduler/scheduler_test_support.h"

namespace kiln {
namespace {

using testing_support::ActionDigest;
using testing_support::ExitedWith;
using testing_support::MakeAction;
using testing_support::RequestWork;
using testing_support::SnapshotRecorder;

const Caller kCi{"ci", false};
const Caller kDev{"dev", false};
const Caller kAdmin{"ops", true};

class SchedulerOwnersTest : public testing_support::SchedulerFixture {
 protected:
  SchedulerOwnersTest() { scheduler_.AddWorker("w", testing_support::kLinuxX86); }

  std::string EnqueueAs(const Caller& caller, int n) {
    auto name = scheduler_.Enqueue(caller, MakeAction(n));
    EXPECT_TRUE(name.ok()) << name.status().ToString();
    return name.ok() ? *name : "";
  }
  static std::vector<std::string> Names(const std::vector<OperationSnapshot>& snapshots) {
    std::vector<std::string> names;
    for (const auto& snapshot : snapshots) names.push_back(snapshot.name);
    return names;
  }
};

TEST_P(SchedulerOwnersTest, GetIsForTheOwnerAndAdminsOnly) {
  const std::string name = EnqueueAs(kCi, 1);
  EXPECT_TRUE(scheduler_.Get(kCi, name).ok());
  EXPECT_TRUE(scheduler_.Get(kAdmin, name).ok());
  EXPECT_EQ(scheduler_.Get(kDev, name).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(scheduler_.Get(Caller{"", false}, name).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(scheduler_.Get(Caller{"CI", false}, name).status().code(), StatusCode::kNotFound);
}

TEST_P(SchedulerOwnersTest, AStrangerIsToldExactlyWhatAnUnknownNameGets) {
  const std::string name = EnqueueAs(kCi, 1);
  const Status refused_get = scheduler_.Get(kDev, name).status();
  const Status refused_watch = scheduler_.Watch(kDev, name, [](const OperationSnapshot&) {}).status();
  const Status refused_cancel = scheduler_.Cancel(kDev, name);
  // Make the name unknown: finished, then past retention.
  ASSERT_TRUE(scheduler_.Cancel(kCi, name).ok());
  clock_.Advance(std::chrono::minutes(11));
  scheduler_.Tick();
  const Status unknown = scheduler_.Get(kCi, name).status();
  ASSERT_EQ(unknown.code(), StatusCode::kNotFound);
  for (const Status& refused : {refused_get, refused_watch, refused_cancel}) {
    EXPECT_EQ(refused.code(), unknown.code());
    EXPECT_EQ(refused.message(), unknown.message());
  }
  EXPECT_EQ(scheduler_.Watch(kCi, name, [](const OperationSnapshot&) {}).status().message(), unknown.message());
  EXPECT_EQ(scheduler_.Cancel(kCi, name).message(), unknown.message());
}

TEST_P(SchedulerOwnersTest, WatchIsForTheOwnerAndAdminsOnly) {
  const std::string name = EnqueueAs(kCi, 1);
  SnapshotRecorder stranger, owner, admin;
  EXPECT_EQ(scheduler_.Watch(kDev, name, stranger.Listener()).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(scheduler_.Watch(kCi, name, owner.Listener()).ok());
  ASSERT_TRUE(scheduler_.Watch(kAdmin, name, admin.Listener()).ok());
  ASSERT_EQ(RequestWork(scheduler_, "w")->operation(), name);
  scheduler_.ReportExecuting(name, "w", 1, OutputStreamNames{"logstreams/out", "logstreams/err"});
  scheduler_.ReportCompleted(name, "w", 1, ExitedWith(0));
  EXPECT_TRUE(stranger.seen().empty());
  EXPECT_EQ(owner.seen().size(), 3u);
  EXPECT_EQ(admin.seen().size(), 3u);
  EXPECT_EQ(owner.seen()[1].stdout_stream_name, "logstreams/out");
}

TEST_P(SchedulerOwnersTest, AStrangerSeesNoLogStreamNames) {
  const std::string name = EnqueueAs(kCi, 1);
  ASSERT_EQ(RequestWork(scheduler_, "w")->operation(), name);
  scheduler_.ReportExecuting(name, "w", 1, OutputStreamNames{"logstreams/out", "logstreams/err"});
  EXPECT_FALSE(scheduler_.Get(kDev, name).ok());
  EXPECT_TRUE(scheduler_.List(kDev).empty());
  EXPECT_FALSE(scheduler_.Watch(kDev, name, [](const OperationSnapshot&) { ADD_FAILURE(); }).ok());
  EXPECT_EQ(scheduler_.Get(kCi, name)->stderr_stream_name, "logstreams/err");
}

TEST_P(SchedulerOwnersTest, CancelIsForTheOwnerAndAdminsOnly) {
  const std::string mine = EnqueueAs(kCi, 1);
  const std::string other = EnqueueAs(kCi, 2);
  EXPECT_EQ(scheduler_.Cancel(kDev, mine).code(), StatusCode::kNotFound);
  EXPECT_FALSE(scheduler_.Get(kCi, mine)->done);
  EXPECT_EQ(scheduler_.queued_count(), 2u);
  ASSERT_TRUE(scheduler_.Cancel(kCi, mine).ok());
  EXPECT_TRUE(scheduler_.Get(kCi, mine)->done);
  ASSERT_TRUE(scheduler_.Cancel(kAdmin, other).ok());
  EXPECT_EQ(scheduler_.Get(kCi, other)->response.status().code(), static_cast<int>(StatusCode::kCancelled));
}

TEST_P(SchedulerOwnersTest, ListShowsTheCallersOwnAndEverythingToAdmins) {
  const std::string ci1 = EnqueueAs(kCi, 1);
  const std::string ci2 = EnqueueAs(kCi, 2);
  const std::string dev = EnqueueAs(kDev, 3);
  const std::string cached = scheduler_.AddCompleted(kDev, ActionDigest(4), ExitedWith(0)).value();
  auto sorted = [](std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    return names;
  };
  EXPECT_EQ(Names(scheduler_.List(kCi)), sorted({ci1, ci2}));
  EXPECT_EQ(Names(scheduler_.List(kDev)), sorted({dev, cached}));
  EXPECT_EQ(Names(scheduler_.List(kAdmin)), sorted({ci1, ci2, dev, cached}));
  EXPECT_TRUE(scheduler_.List(Caller{"nobody", false}).empty());
}

TEST_P(SchedulerOwnersTest, JoiningAnIdenticalActionMakesTheJoinerAnOwner) {
  const std::string name = EnqueueAs(kCi, 1);
  EXPECT_FALSE(scheduler_.Get(kDev, name).ok());
  EXPECT_EQ(EnqueueAs(kDev, 1), name);
  EXPECT_TRUE(scheduler_.Get(kDev, name).ok());
  EXPECT_TRUE(scheduler_.Get(kCi, name).ok());
  EXPECT_FALSE(scheduler_.Get(Caller{"third", false}, name).ok());
  // Joining while it runs counts the same.
  ASSERT_EQ(RequestWork(scheduler_, "w")->operation(), name);
  EXPECT_EQ(EnqueueAs(Caller{"third", false}, 1), name);
  EXPECT_TRUE(scheduler_.Cancel(Caller{"third", false}, name).ok());
}

TEST_P(SchedulerOwnersTest, ACacheHitBelongsToItsCaller) {
  const std::string name = scheduler_.AddCompleted(kCi, ActionDigest(1), ExitedWith(0)).value();
  EXPECT_TRUE(scheduler_.Get(kCi, name)->done);
  EXPECT_FALSE(scheduler_.Get(kDev, name).ok());
}

TEST_P(SchedulerOwnersTest, BeyondTheOwnerBoundTheLeastRecentJoinerIsForgotten) {
  const std::string name = EnqueueAs(kCi, 1);
  for (size_t i = 0; i < OperationOwners::kMaxOwners - 1; ++i) {
    ASSERT_EQ(EnqueueAs(Caller{"joiner" + std::to_string(i), false}, 1), name);
  }
  EXPECT_TRUE(scheduler_.Get(kCi, name).ok());
  ASSERT_EQ(EnqueueAs(kDev, 1), name);
  EXPECT_FALSE(scheduler_.Get(kCi, name).ok());
  EXPECT_TRUE(scheduler_.Get(kDev, name).ok());
  EXPECT_TRUE(scheduler_.Get(Caller{"joiner0", false}, name).ok());
  EXPECT_TRUE(scheduler_.Get(kAdmin, name).ok());
}

TEST_P(SchedulerOwnersTest, NamesCarry128RandomBits) {
  // 32 lowercase hex digits after the prefix, all distinct, and every one of the 128 bits
  // seen both set and clear over a few hundred names (a counter or a narrow source fails).
  std::set<std::string> names;
  std::vector<int> ever_set(32, 0), ever_clear(32, 0);
  const std::string prefix = "operations/";
  for (int i = 0; i < 300; ++i) {
    const std::string name = scheduler_.AddCompleted(kCi, ActionDigest(i), ExitedWith(0)).value();
    ASSERT_EQ(name.rfind(prefix, 0), 0u) << name;
    const std::string hex = name.substr(prefix.size());
    ASSERT_EQ(hex.size(), 32u) << name;
    ASSERT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << name;
    names.insert(name);
    for (size_t j = 0; j < hex.size(); ++j) {
      const int nibble = hex[j] <= '9' ? hex[j] - '0' : hex[j] - 'a' + 10;
      ever_set[j] |= nibble;
      ever_clear[j] |= ~nibble & 0xf;
    }
  }
  EXPECT_EQ(names.size(), 300u);
  EXPECT_EQ(ever_set, std::vector<int>(32, 0xf));
  EXPECT_EQ(ever_clear, std::vector<int>(32, 0xf));
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Implementations, SchedulerOwnersTest, ::testing::ValuesIn(testing_support::AllSchedulerKinds()),
                         testing_support::SchedulerKindName);

}  // namespace kiln
