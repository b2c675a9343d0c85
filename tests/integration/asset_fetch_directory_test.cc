// FetchDirectory against a real kiln: archives (tar, tar.gz, tar.xz, zip) over HTTP, git
// repositories by branch and by commit, unsafe archives and archive bombs, and serving from
// the CAS later.
#include <unistd.h>

#include <filesystem>

#include "asset_test_util.h"
#include "common/proto_digest.h"
#include "testing/test_archive.h"
#include "testing/test_git_repo.h"

namespace kiln_test {
namespace {

using kiln::TestArchiveEntry;
using kiln::TestArchiveFormat;

class FetchDirectoryTest : public AssetServerTest {
 protected:
  reapi::Directory ReadDirectory(const reapi::Digest& digest) {
    reapi::Directory directory;
    EXPECT_TRUE(directory.ParseFromString(ReadCasBlob(digest)));
    return directory;
  }
  // The root Directory a successful fetch returned.
  reapi::Directory FetchRoot(const asset::FetchDirectoryRequest& request, asset::FetchDirectoryResponse* response) {
    grpc::Status status = FetchDirectory(request, response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    EXPECT_TRUE(HasStatus(response->status(), grpc::StatusCode::OK));
    return ReadDirectory(response->root_directory_digest());
  }
};

const std::vector<TestArchiveEntry> kArchive = {
    {"pkg/", AE_IFDIR, 0755, ""},
    {"pkg/b.txt", AE_IFREG, 0644, "bee"},
    {"pkg/a.sh", AE_IFREG, 0755, "#!/bin/sh\n"},
    {"pkg/link", AE_IFLNK, 0777, "b.txt"},
};

TEST_F(FetchDirectoryTest, UnpacksEveryArchiveFormatIntoACanonicalTree) {
  const std::vector<std::pair<std::string, TestArchiveFormat>> formats = {
      {"/a.tar", TestArchiveFormat::kTar}, {"/a.tar.gz", TestArchiveFormat::kTarGz},
      {"/a.tar.xz", TestArchiveFormat::kTarXz}, {"/a.zip", TestArchiveFormat::kZip}};
  std::string first_root;
  for (const auto& [path, format] : formats) {
    http_.Serve(path, kiln::MakeTestArchive(format, kArchive));
    asset::FetchDirectoryResponse response;
    reapi::Directory root = FetchRoot(AssetRequest<asset::FetchDirectoryRequest>({http_.Url(path)}), &response);
    ASSERT_EQ(root.directories_size(), 1) << path;
    EXPECT_EQ(root.directories(0).name(), "pkg");
    reapi::Directory pkg = ReadDirectory(root.directories(0).digest());
    ASSERT_EQ(pkg.files_size(), 2) << path;
    EXPECT_EQ(pkg.files(0).name(), "a.sh");  // Sorted, as REAPI requires.
    EXPECT_TRUE(pkg.files(0).is_executable());
    EXPECT_EQ(pkg.files(1).name(), "b.txt");
    EXPECT_FALSE(pkg.files(1).is_executable());
    EXPECT_EQ(ReadCasBlob(pkg.files(1).digest()), "bee");
    ASSERT_EQ(pkg.symlinks_size(), 1);
    EXPECT_EQ(pkg.symlinks(0).target(), "b.txt");
    // The same tree whatever the container.
    if (first_root.empty()) first_root = response.root_directory_digest().hash();
    EXPECT_EQ(response.root_directory_digest().hash(), first_root) << path;
  }
}

TEST_F(FetchDirectoryTest, BuildsTheTreeUnderTheRequestedFunction) {
  http_.Serve("/a.tar", kiln::MakeTestArchive(TestArchiveFormat::kTar, kArchive));
  for (DigestFunction function : {DigestFunction::kBlake3, DigestFunction::kGitSha1}) {
    SCOPED_TRACE(std::string(kiln::DigestFunctionName(function)));
    auto request = AssetRequest<asset::FetchDirectoryRequest>({http_.Url("/a.tar")});
    request.set_digest_function(kiln::ToProto(function));
    asset::FetchDirectoryResponse response;
    grpc::Status status = FetchDirectory(request, &response);
    ASSERT_TRUE(status.ok()) << Describe(status);
    ASSERT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK)) << Describe(response.status());
    EXPECT_EQ(response.digest_function(), kiln::ToProto(function));
    reapi::GetTreeRequest get_tree;
    get_tree.set_digest_function(kiln::ToProto(function));
    *get_tree.mutable_root_digest() = response.root_directory_digest();
    grpc::ClientContext context;
    SetDeadline(&context);
    auto reader = cas().GetTree(&context, get_tree);
    reapi::GetTreeResponse page;
    std::vector<reapi::Directory> directories;
    while (reader->Read(&page)) directories.insert(directories.end(), page.directories().begin(), page.directories().end());
    ASSERT_TRUE(reader->Finish().ok());
    ASSERT_EQ(directories.size(), 2u);
    EXPECT_EQ(directories[0].directories(0).digest().hash(),
              ProtoDigestOf(directories[1].SerializeAsString(), function).hash());
    ASSERT_EQ(directories[1].files_size(), 2);
    EXPECT_EQ(directories[1].files(1).digest().hash(), ProtoDigestOf("bee", function).hash());
  }
}

TEST_F(FetchDirectoryTest, SecondFetchIsServedFromTheCas) {
  http_.Serve("/a.tar.gz", kiln::MakeTestArchive(TestArchiveFormat::kTarGz, kArchive));
  const auto request = AssetRequest<asset::FetchDirectoryRequest>({http_.Url("/a.tar.gz")});
  asset::FetchDirectoryResponse first;
  FetchRoot(request, &first);
  http_.Stop();
  asset::FetchDirectoryResponse second;
  FetchRoot(request, &second);
  EXPECT_EQ(second.root_directory_digest().hash(), first.root_directory_digest().hash());
}

TEST_F(FetchDirectoryTest, RejectsArchivesThatEscapeTheirDirectory) {
  http_.Serve("/evil.tar", kiln::MakeTestArchive(TestArchiveFormat::kTar, {{"../../evil", AE_IFREG, 0644, "x"}}));
  http_.Serve("/not-an-archive", "just text");
  asset::FetchDirectoryResponse response;
  ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({http_.Url("/evil.tar")}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::ABORTED, "../../evil"));
  ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({http_.Url("/not-an-archive")}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::ABORTED, http_.Url("/not-an-archive")));
  ExpectStillServing();
}

TEST_F(FetchDirectoryTest, ChecksumSriIsVerifiedOnTheArchive) {
  const std::string archive = kiln::MakeTestArchive(TestArchiveFormat::kTar, kArchive);
  http_.Serve("/a.tar", archive);
  asset::FetchDirectoryResponse response;
  ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({http_.Url("/a.tar")},
                                                                        {{"checksum.sri", Sha256Sri("other")}}),
                             &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::ABORTED, "checksum.sri"));
  FetchRoot(AssetRequest<asset::FetchDirectoryRequest>({http_.Url("/a.tar")}, {{"checksum.sri", Sha256Sri(archive)}}),
            &response);
}

// The hardening issue's example: 1 GiB of zeros in a 32 KiB tar.zst, at the default limits.
TEST_F(FetchDirectoryTest, AnArchiveBombIsRefusedByItsRatio) {
  const std::string bomb = kiln::MakeZeroArchive(TestArchiveFormat::kTarZst, int64_t{1} << 30);
  ASSERT_LT(bomb.size(), 64u << 10);
  http_.Serve("/bomb.tar.zst", bomb);
  asset::FetchDirectoryResponse response;
  ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({http_.Url("/bomb.tar.zst")}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::RESOURCE_EXHAUSTED, "--asset-max-unpack-ratio 200"));
  EXPECT_TRUE(std::filesystem::is_empty(data_dir_.path() + "/asset-tmp"));
  ExpectStillServing();
}

class FetchDirectoryLimitsTest : public FetchDirectoryTest {
 protected:
  std::vector<std::string> ServerFlags() const override {
    std::vector<std::string> flags = FetchDirectoryTest::ServerFlags();
    flags.insert(flags.end(), {"--asset-max-unpacked-bytes", "1M", "--asset-max-archive-entries", "10"});
    return flags;
  }
};

TEST_F(FetchDirectoryLimitsTest, ArchivesBeyondTheFlagsAreRefusedAndLeaveNothing) {
  // 4 MiB in eight files: refused at the third, the partial tree removed, nothing recorded.
  http_.Serve("/big.tar.zst", kiln::MakeZeroArchive(TestArchiveFormat::kTarZst, 512 << 10, 8));
  const auto request = AssetRequest<asset::FetchDirectoryRequest>({http_.Url("/big.tar.zst")});
  asset::FetchDirectoryResponse response;
  ASSERT_TRUE(FetchDirectory(request, &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::RESOURCE_EXHAUSTED, "--asset-max-unpacked-bytes"));
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::RESOURCE_EXHAUSTED, "zeros-2"));
  EXPECT_TRUE(std::filesystem::is_empty(data_dir_.path() + "/asset-tmp"));
  ASSERT_TRUE(FetchDirectory(request, &response).ok());
  EXPECT_EQ(http_.requests("/big.tar.zst"), 2);

  http_.Serve("/many.tar", kiln::MakeZeroArchive(TestArchiveFormat::kTar, 10, 11));
  ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({http_.Url("/many.tar")}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::RESOURCE_EXHAUSTED, "--asset-max-archive-entries"));

  // Within the limits, all is as usual.
  http_.Serve("/small.tar.zst", kiln::MakeZeroArchive(TestArchiveFormat::kTarZst, 100 << 10, 10));
  ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({http_.Url("/small.tar.zst")}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::OK));
  EXPECT_EQ(ReadDirectory(response.root_directory_digest()).files_size(), 10);
}

class FetchGitDirectoryTest : public FetchDirectoryTest {
 protected:
  void SetUp() override {
    FetchDirectoryTest::SetUp();
    first_ = repo_.Commit({{"README", "v1"}});
    second_ = repo_.Commit({{"README", "v2"}, {"bin/tool", "+x:#!/bin/sh\n"}});
    repo_.Checkout("-b feature");
    feature_ = repo_.Commit({{"README", "feature"}});
    repo_.Checkout("main");
  }
  // README's content in the tree a fetch returned.
  std::string Readme(const asset::FetchDirectoryRequest& request, asset::FetchDirectoryResponse* response) {
    reapi::Directory root = FetchRoot(request, response);
    for (const auto& file : root.files()) {
      if (file.name() == "README") return ReadCasBlob(file.digest());
    }
    ADD_FAILURE() << "no README in " << root.DebugString();
    return "";
  }

  kiln::TestGitRepo repo_{file_origin_.path() + "/repo"};
  std::string first_, second_, feature_;
};

TEST_F(FetchGitDirectoryTest, FetchesByBranchAndByCommit) {
  asset::FetchDirectoryResponse response;
  EXPECT_EQ(Readme(AssetRequest<asset::FetchDirectoryRequest>({repo_.uri()}, {{"vcs.branch", "feature"}}), &response),
            "feature");
  ASSERT_EQ(response.qualifiers_size(), 1);
  EXPECT_EQ(response.qualifiers(0).name(), "vcs.commit");
  EXPECT_EQ(response.qualifiers(0).value(), feature_);

  EXPECT_EQ(Readme(AssetRequest<asset::FetchDirectoryRequest>({repo_.uri()}, {{"vcs.commit", first_}}), &response), "v1");
  reapi::Directory root = FetchRoot(
      AssetRequest<asset::FetchDirectoryRequest>({repo_.uri()}, {{"vcs.branch", "main"}, {"vcs.commit", second_}}), &response);
  ASSERT_EQ(root.directories_size(), 1);  // bin/, and no .git
  EXPECT_EQ(root.directories(0).name(), "bin");
  EXPECT_TRUE(ReadDirectory(root.directories(0).digest()).files(0).is_executable());
}

TEST_F(FetchGitDirectoryTest, MissingBranchOrCommitIsNotFound) {
  asset::FetchDirectoryResponse response;
  ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({repo_.uri()}, {{"vcs.branch", "nope"}}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::NOT_FOUND, repo_.uri()));
  ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({repo_.uri()},
                                                                        {{"vcs.branch", "main"}, {"vcs.commit", feature_}}),
                             &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::NOT_FOUND, "not on branch main"));
}

TEST_F(FetchGitDirectoryTest, GitRemotesOutsideTheFileRootsAreRefused) {
  TempDir elsewhere;
  kiln::TestGitRepo outside(elsewhere.path() + "/repo");
  outside.Commit({{"README", "private"}});
  ASSERT_EQ(::symlink((elsewhere.path() + "/repo").c_str(), (file_origin_.path() + "/link.git").c_str()), 0);
  for (const std::string& uri : {outside.uri(), "file://" + file_origin_.path() + "/link.git"}) {
    asset::FetchDirectoryResponse response;
    ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({uri}, {{"vcs.branch", "main"}}), &response).ok());
    EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, uri));
    EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, "--asset-file-roots"));
  }
}

// A repository inside the roots that borrows its objects from one outside them (`git clone
// --shared`) would let git serve the outside repository's content.
TEST_F(FetchGitDirectoryTest, RepositoriesBorrowingObjectsFromOutsideTheRootsAreRefused) {
  TempDir elsewhere;
  kiln::TestGitRepo outside(elsewhere.path() + "/repo");
  outside.Commit({{"README", "private"}});
  ASSERT_EQ(outside.Git("clone -q --shared . " + file_origin_.path() + "/borrower.git"), 0);
  asset::FetchDirectoryResponse response;
  const std::string uri = "file://" + file_origin_.path() + "/borrower.git";
  ASSERT_TRUE(FetchDirectory(AssetRequest<asset::FetchDirectoryRequest>({uri}, {{"vcs.branch", "main"}}), &response).ok());
  EXPECT_TRUE(HasStatus(response.status(), grpc::StatusCode::PERMISSION_DENIED, "borrows objects"))
      << response.status().message();
}

TEST_F(FetchGitDirectoryTest, BranchFetchIsRememberedUntilTheClientAsksForNewerContent) {
  const auto request = AssetRequest<asset::FetchDirectoryRequest>({repo_.uri()}, {{"vcs.branch", "main"}});
  asset::FetchDirectoryResponse response;
  EXPECT_EQ(Readme(request, &response), "v2");
  repo_.Commit({{"README", "v3"}});
  EXPECT_EQ(Readme(request, &response), "v2");
  auto fresh = request;
  fresh.mutable_oldest_content_accepted()->set_seconds(time(nullptr) + 1);
  EXPECT_EQ(Readme(fresh, &response), "v3");
}

}  // namespace
}  // namespace kiln_test
