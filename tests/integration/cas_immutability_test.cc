// No action may change a stored blob, whoever kiln runs as and however it isolates actions:
// an action that chmods and rewrites its inputs changes its own copies, never the CAS file
// under its digest (which later clients and actions would get). Runs the real kiln serve as
// root (when the test is root) and as an unprivileged user, with and without the sandbox.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "execution_util.h"
#include "unprivileged_kiln.h"

namespace kiln_test {
namespace {

struct Setup {
  bool unprivileged;
  const char* sandbox;
};

std::string Name(const ::testing::TestParamInfo<Setup>& info) {
  return std::string(info.param.unprivileged ? "Unprivileged" : "AsTestUser") + "_" + info.param.sandbox;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// Every way a hostile action could try to change its input in place.
constexpr char kTamper[] =
    "chmod 0777 in 2>/dev/null; echo evil > in 2>/dev/null; printf evil | dd of=in conv=notrunc 2>/dev/null; "
    "chmod 0666 in 2>/dev/null; touch -d 2001-01-01 in 2>/dev/null; cat in; exit 0";

class CasImmutabilityTest : public ::testing::TestWithParam<Setup> {
 protected:
  void SetUp() override {
    std::vector<std::string> launcher = {KILN_BINARY};
    if (GetParam().unprivileged) {
      if (::geteuid() != 0) GTEST_SKIP() << "the test user is not root: AsTestUser covers the unprivileged case";
      if (!user_.why_not().empty()) GTEST_SKIP() << user_.why_not();
      ASSERT_TRUE(user_.HandOver(data_dir_.path()));
      launcher = user_.launcher();
      owner_ = user_.uid();
    }
    std::string error;
    server_ = KilnProcess::StartWith(launcher, data_dir_.path(), {"--workers", "2", "--sandbox", GetParam().sandbox}, &error);
    if (!server_ && std::string(GetParam().sandbox) == "namespaces") GTEST_SKIP() << "no sandbox here: " << error;
    ASSERT_NE(server_, nullptr) << error;
  }

  ExecuteResult Run(const std::string& script, const std::string& salt) {
    ActionSpec spec;
    spec.arguments = {"/bin/sh", "-c", script};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    auto* file = spec.input_root.add_files();
    file->set_name("in");
    *file->mutable_digest() = input_;
    spec.salt = salt;
    return Execute(server_->channel(), UploadAction(server_->cas(), spec));
  }

  std::string CasPath() const { return data_dir_.path() + "/cas/sha256/" + input_.hash().substr(0, 2) + "/" + input_.hash(); }

  UnprivilegedKiln user_;
  uid_t owner_ = ::geteuid();
  TempDir data_dir_;
  std::unique_ptr<KilnProcess> server_;
  const std::string content_ = "the original content\n";
  reapi::Digest input_;
};

TEST_P(CasImmutabilityTest, AnActionRewritingItsInputLeavesTheStoredBlobAlone) {
  input_ = Upload(server_->cas(), content_);
  struct stat before {};
  ASSERT_EQ(::stat(CasPath().c_str(), &before), 0) << CasPath();

  ExecuteResult tampering = Run(kTamper, "tamper");
  ASSERT_TRUE(tampering.status.ok()) << Describe(tampering.status);
  ASSERT_EQ(tampering.response.status().code(), 0) << Describe(tampering.response.status());
  // The action changed something: its own copy (or, where the copy is read-only to it, nothing).
  const std::string seen = ReadBlobText(server_->bytestream(), tampering.response.result().stdout_digest());

  // The file behind the digest: same content, mode, owner and inode as before.
  struct stat after {};
  ASSERT_EQ(::stat(CasPath().c_str(), &after), 0) << CasPath();
  EXPECT_EQ(ReadFile(CasPath()), content_) << "the action saw \"" << seen << "\"";
  EXPECT_EQ(after.st_mode & 07777, 0444u);
  EXPECT_EQ(after.st_uid, owner_);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  // What clients and the next action get.
  EXPECT_EQ(ReadBlobText(server_->bytestream(), input_), content_);
  ExecuteResult next = Run("cat in", "next");
  ASSERT_TRUE(next.status.ok()) << Describe(next.status);
  EXPECT_EQ(ReadBlobText(server_->bytestream(), next.response.result().stdout_digest()), content_);
}

INSTANTIATE_TEST_SUITE_P(EveryUserAndSandbox, CasImmutabilityTest,
                         ::testing::Values(Setup{false, "namespaces"}, Setup{false, "none"}, Setup{true, "namespaces"},
                                           Setup{true, "none"}),
                         Name);

}  // namespace
}  // namespace kiln_test
