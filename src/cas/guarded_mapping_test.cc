#include "cas/guarded_mapping.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "common/file_util.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

constexpr size_t kFileBytes = 256 * 1024;

class GuardedMappingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UniqueFd out(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(WriteAll(out.get(), std::string(kFileBytes, 'x')).ok());
    fd_ = UniqueFd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd_.valid());
  }
  // Reads through a volatile pointer, as gRPC's own small copies would.
  static char Touch(const char* bytes, size_t offset) { return *static_cast<const volatile char*>(bytes + offset); }

  TempDir dir_;
  std::string path_ = dir_.path() + "/blob";
  UniqueFd fd_;
};

TEST_F(GuardedMappingTest, MapsTheFile) {
  auto mapping = GuardedMapping::Map(fd_.get(), 0, kFileBytes);
  ASSERT_NE(mapping, nullptr);
  EXPECT_EQ(std::string(mapping->bytes(), kFileBytes), std::string(kFileBytes, 'x'));
  EXPECT_FALSE(mapping->damaged());
}

TEST_F(GuardedMappingTest, MapsFromAnyOffset) {
  ASSERT_EQ(::pwrite(UniqueFd(::open(path_.c_str(), O_WRONLY | O_CLOEXEC)).get(), "abc", 3, 5000), 3);
  auto mapping = GuardedMapping::Map(fd_.get(), 5001, 100);
  ASSERT_NE(mapping, nullptr);
  EXPECT_EQ(std::string(mapping->bytes(), 3), "bcx");
  EXPECT_EQ(mapping->lead(), 5001u % static_cast<size_t>(::sysconf(_SC_PAGESIZE)));
}

TEST_F(GuardedMappingTest, PagesCutOffBehindItsBackReadAsZerosAndMarkItDamaged) {
  auto mapping = GuardedMapping::Map(fd_.get(), 0, kFileBytes);
  ASSERT_NE(mapping, nullptr);
  ASSERT_EQ(::ftruncate(UniqueFd(::open(path_.c_str(), O_WRONLY | O_CLOEXEC)).get(), 4096), 0);
  EXPECT_EQ(Touch(mapping->bytes(), 10), 'x');
  EXPECT_FALSE(mapping->damaged());
  EXPECT_EQ(Touch(mapping->bytes(), kFileBytes - 1), '\0');  // Would have been SIGBUS.
  EXPECT_TRUE(mapping->damaged());
  // Other mappings are not affected by one's damage.
  auto other = GuardedMapping::Map(fd_.get(), 0, 4096);
  ASSERT_NE(other, nullptr);
  EXPECT_FALSE(other->damaged());
}

TEST_F(GuardedMappingTest, EmptyLengthsAreNotMapped) { EXPECT_EQ(GuardedMapping::Map(fd_.get(), 0, 0), nullptr); }

using GuardedMappingDeathTest = GuardedMappingTest;

TEST_F(GuardedMappingDeathTest, ASigbusOutsideGuardedMappingsStaysFatal) {
  // Installs the handler, so that the death below is despite it.
  ASSERT_NE(GuardedMapping::Map(fd_.get(), 0, kFileBytes), nullptr);
  EXPECT_DEATH(
      {
        void* raw = ::mmap(nullptr, kFileBytes, PROT_READ, MAP_SHARED, fd_.get(), 0);
        if (::ftruncate(UniqueFd(::open(path_.c_str(), O_WRONLY | O_CLOEXEC)).get(), 0) != 0) _exit(0);
        Touch(static_cast<const char*>(raw), 8192);
        _exit(0);  // Not reached: the touch must kill the process.
      },
      "");
}

}  // namespace
}  // namespace kiln
