// Importing a directory from disk as Directory messages: a tree with a Directory too big to
// be read back under the message cap is refused before any Directory of it is stored.
#include "asset/tree_import.h"

#include <gtest/gtest.h>

#include <fstream>

#include "cas/memory_blob_store.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

class TreeImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 30; ++i) std::ofstream(dir_.path() + "/file" + std::to_string(100 + i)) << i;
  }
  TempDir dir_;
  MemoryBlobStore cas_;
};

TEST_F(TreeImportTest, ImportsWithinTheCap) {
  auto root = ImportDirectoryTree(cas_, DigestFunction::kSha256, dir_.path());
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_TRUE(ContainsBlob(cas_, *root));
}

TEST_F(TreeImportTest, ADirectoryOverTheCapIsRefusedAndNoDirectoryIsStored) {
  auto refused = ImportDirectoryTree(cas_, DigestFunction::kSha256, dir_.path(), /*max_message_bytes=*/500);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("a directory of 30 files, 0 directories and 0 symlinks"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("over the limit of 500 bytes for one message (--max-message-bytes)"),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(cas_.blob_count(), 30u) << "the files were uploaded while walking, but no Directory";
}

}  // namespace
}  // namespace kiln
