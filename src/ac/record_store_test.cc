#include "ac/record_store.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace kiln
