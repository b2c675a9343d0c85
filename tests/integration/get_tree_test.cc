// GetTree: streams every Directory of a tree stored in the CAS, in pages whose tokens
// resume the walk in a new call; missing subtrees are left out, a missing root is
// NOT_FOUND.
#include <set>

#include "test_util.h"

namespace kiln_test {
namespace {

class GetTreeTest : public KilnServerTest {
 protected:
  // Uploads `directory` and returns its digest.
  reapi::Digest Put(const reapi::Directory& directory) {
    const std::string bytes = directory.SerializeAsString();
    EXPECT_TRUE(BatchUpload(cas(), "", {bytes}));
    return ProtoDigestOf(bytes);
  }

  static void AddFile(reapi::Directory* directory, const std::string& name, const std::string& content) {
    auto* file = directory->add_files();
    file->set_name(name);
    *file->mutable_digest() = ProtoDigestOf(content);
  }
  static void AddDir(reapi::Directory* directory, const std::string& name, const reapi::Digest& digest) {
    auto* node = directory->add_directories();
    node->set_name(name);
    *node->mutable_digest() = digest;
  }

  // Builds root{a, b, sub1{c, leaf{e}}, sub2{d, leaf{e}}, [gone -> missing]} and returns
  // the root digest; *present gets the serialized directories that are in the CAS.
  reapi::Digest BuildTree(bool with_missing_subtree, std::set<std::string>* present) {
    reapi::Directory leaf;
    AddFile(&leaf, "e", "file e");
    reapi::Directory sub1, sub2;
    AddFile(&sub1, "c", "file c");
    AddDir(&sub1, "leaf", Put(leaf));
    AddFile(&sub2, "d", "file d");
    AddDir(&sub2, "leaf", Put(leaf));  // Same directory twice: a DAG, not just a tree.
    reapi::Directory root;
    AddFile(&root, "a", "file a");
    AddFile(&root, "b", "file b");
    if (with_missing_subtree) {
      reapi::Directory never_uploaded;
      AddFile(&never_uploaded, "lost", "lost file");
      AddDir(&root, "gone", ProtoDigestOf(never_uploaded.SerializeAsString()));
    }
    AddDir(&root, "sub1", Put(sub1));
    AddDir(&root, "sub2", Put(sub2));
    *present = {root.SerializeAsString(), sub1.SerializeAsString(), sub2.SerializeAsString(),
                leaf.SerializeAsString()};
    return Put(root);
  }

  // Runs one GetTree call; returns its status and appends the pages it streamed.
  grpc::Status GetTree(const reapi::Digest& root, int page_size, const std::string& token,
                       std::vector<reapi::GetTreeResponse>* pages) {
    reapi::GetTreeRequest request;
    *request.mutable_root_digest() = root;
    request.set_page_size(page_size);
    request.set_page_token(token);
    grpc::ClientContext context;
    SetDeadline(&context);
    auto reader = cas().GetTree(&context, request);
    reapi::GetTreeResponse page;
    while (reader->Read(&page)) pages->push_back(page);
    return reader->Finish();
  }

  static std::vector<std::string> Directories(const std::vector<reapi::GetTreeResponse>& pages) {
    std::vector<std::string> out;
    for (const auto& page : pages) {
      for (const auto& directory : page.directories()) out.push_back(directory.SerializeAsString());
    }
    return out;
  }
};

TEST_F(GetTreeTest, StreamsEveryDirectoryOfTheTree) {
  std::set<std::string> expected;
  const reapi::Digest root = BuildTree(/*with_missing_subtree=*/false, &expected);
  std::vector<reapi::GetTreeResponse> pages;
  grpc::Status status = GetTree(root, 0, "", &pages);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_FALSE(pages.empty());
  EXPECT_TRUE(pages.back().next_page_token().empty()) << "the last page must not carry a token";
  const std::vector<std::string> got = Directories(pages);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(ProtoDigestOf(got.front()).hash(), root.hash()) << "the walk starts at the root";
}

TEST_F(GetTreeTest, PageTokensResumeInANewCall) {
  std::set<std::string> expected;
  const reapi::Digest root = BuildTree(/*with_missing_subtree=*/false, &expected);
  std::vector<reapi::GetTreeResponse> pages;
  ASSERT_TRUE(GetTree(root, 1, "", &pages).ok());
  const std::vector<std::string> all = Directories(pages);
  ASSERT_EQ(std::set<std::string>(all.begin(), all.end()), expected);
  ASSERT_EQ(pages.size(), all.size()) << "page_size=1 gives one directory per page";
  for (size_t i = 0; i + 1 < pages.size(); ++i) {
    const std::string token = pages[i].next_page_token();
    ASSERT_FALSE(token.empty()) << "page " << i << " is not the last, so it needs a token";
    // A new call from this token yields exactly the directories after page i.
    std::vector<reapi::GetTreeResponse> resumed;
    grpc::Status status = GetTree(root, 1, token, &resumed);
    ASSERT_TRUE(status.ok()) << "token \"" << token << "\": " << Describe(status);
    EXPECT_EQ(Directories(resumed), std::vector<std::string>(all.begin() + i + 1, all.end())) << "token " << token;
  }
  EXPECT_TRUE(pages.back().next_page_token().empty());
}

TEST_F(GetTreeTest, MissingSubtreesAreOmitted) {
  std::set<std::string> expected;
  const reapi::Digest root = BuildTree(/*with_missing_subtree=*/true, &expected);
  std::vector<reapi::GetTreeResponse> pages;
  grpc::Status status = GetTree(root, 0, "", &pages);
  ASSERT_TRUE(status.ok()) << Describe(status);
  const std::vector<std::string> got = Directories(pages);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected);
}

TEST_F(GetTreeTest, MissingRootIsNotFound) {
  std::vector<reapi::GetTreeResponse> pages;
  EXPECT_TRUE(HasStatus(GetTree(UnknownDigest(), 0, "", &pages), grpc::StatusCode::NOT_FOUND));
  EXPECT_TRUE(pages.empty());
}

TEST_F(GetTreeTest, BadRequestsAreInvalidArgument) {
  std::set<std::string> expected;
  const reapi::Digest root = BuildTree(false, &expected);
  std::vector<reapi::GetTreeResponse> pages;
  EXPECT_TRUE(HasStatus(GetTree(root, 0, "not-a-token", &pages), grpc::StatusCode::INVALID_ARGUMENT, "page_token"));
  EXPECT_TRUE(HasStatus(GetTree(root, -1, "", &pages), grpc::StatusCode::INVALID_ARGUMENT, "page_size"));
  EXPECT_TRUE(HasStatus(GetTree(ProtoDigest("1234", 10), 0, "", &pages), grpc::StatusCode::INVALID_ARGUMENT,
                        "root_digest"));
  // No root_digest at all.
  reapi::GetTreeRequest request;
  grpc::ClientContext context;
  SetDeadline(&context);
  auto reader = cas().GetTree(&context, request);
  reapi::GetTreeResponse page;
  while (reader->Read(&page)) {
  }
  EXPECT_TRUE(HasStatus(reader->Finish(), grpc::StatusCode::INVALID_ARGUMENT, "root_digest"));
  EXPECT_TRUE(pages.empty());
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
