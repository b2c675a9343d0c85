#include "ac/record_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"

namespace kiln {
namespace {

TEST(RecordStoreTest, MemoryStoreGetsWhatWasPut) {
  MemoryRecordStore store;
  EXPECT_EQ(store.Get("k").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store.Put("k", "v1").ok());
  ASSERT_TRUE(store.Put("k", "v2").ok());
  EXPECT_EQ(*store.Get("k"), "v2");
}

TEST(RecordStoreTest, DiskStoreReplacesAtomicallyAndPersists) {
  TempDir dir;
  const std::string key(64, 'c');
  {
    auto store = std::move(DiskRecordStore::Open(dir.path(), false)).value();
    EXPECT_EQ(store->Get(key).status().code(), StatusCode::kNotFound);
    ASSERT_TRUE(store->Put(key, "first").ok());
    ASSERT_TRUE(store->Put(key, "second").ok());
  }
  // A temp file from an interrupted write is never visible and is removed on open.
  std::ofstream(dir.path() + "/cc/" + key + ".tmp.123.0") << "half";
  auto reopened = std::move(DiskRecordStore::Open(dir.path(), false)).value();
  EXPECT_EQ(*reopened->Get(key), "second");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/cc/" + key + ".tmp.123.0"));
}

TEST(RecordStoreTest, DiskStoreTrimsLeastRecentlyUsedRecordsBeyondItsBudget) {
  TempDir dir;
  auto store = std::move(DiskRecordStore::Open(dir.path(), false, /*max_bytes=*/1000)).value();
  const std::string record(100, 'v');
  // Twelve records, made to look older the earlier they were written.
  for (int i = 0; i < 12; ++i) {
    const std::string key = "k" + std::to_string(10 + i);
    ASSERT_TRUE(store->Put(key, record).ok());
    const std::string path = dir.path() + "/" + key.substr(0, 2) + "/" + key;
    std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 - i));
  }
  // Reading the oldest makes it recent again (its time was more than an hour old).
  ASSERT_TRUE(store->Get("k10").ok());
  EXPECT_EQ(store->counted_bytes(), 1200);
  EXPECT_EQ(store->Trim(), 3u);  // Down to 90% of the budget.
  EXPECT_LE(store->counted_bytes(), 900);
  EXPECT_TRUE(store->Get("k10").ok()) << "recently read, kept";
  EXPECT_EQ(store->Get("k11").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Get("k13").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->Get("k14").ok());
  EXPECT_EQ(store->Trim(), 0u) << "within budget: nothing to do";
}

TEST(RecordStoreTest, DiskStoreCountsWhatIsAlreadyThereWhenOpened) {
  TempDir dir;
  {
    auto store = std::move(DiskRecordStore::Open(dir.path(), false)).value();
    ASSERT_TRUE(store->Put("ab12", std::string(300, 'x')).ok());
  }
  auto reopened = std::move(DiskRecordStore::Open(dir.path(), false)).value();
  EXPECT_EQ(reopened->counted_bytes(), 300);
  EXPECT_EQ(DiskRecordStore::Open(dir.path(), false, 0).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kiln
