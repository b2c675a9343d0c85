#include "asset/qualifiers.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

google::protobuf::RepeatedPtrField<asset_proto::Qualifier> Qualifiers(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  google::protobuf::RepeatedPtrField<asset_proto::Qualifier> out;
  for (const auto& [name, value] : pairs) {
    auto* qualifier = out.Add();
    qualifier->set_name(name);
    qualifier->set_value(value);
  }
  return out;
}

TEST(QualifiersTest, ParsesKnownQualifiers) {
  auto parsed = ParseQualifiers(Qualifiers({{"checksum.sri", "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="},
                                            {"http_header:Authorization", "Bearer x"},
                                            {"http_header_url:1:X-Mirror", "yes"},
                                            {"bazel.canonical_id", "id"}}),
                                AssetKind::kBlob);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(parsed->checksum.has_value());
  EXPECT_TRUE(parsed->unsupported.empty());
  EXPECT_EQ(HeadersForUri(*parsed, 0), (FetchHeaders{{"Authorization", "Bearer x"}}));
  EXPECT_EQ(HeadersForUri(*parsed, 1), (FetchHeaders{{"Authorization", "Bearer x"}, {"X-Mirror", "yes"}}));
}

TEST(QualifiersTest, ListsUnsupportedNamesInOrder) {
  auto parsed = ParseQualifiers(Qualifiers({{"zeta", "1"}, {"vcs.branch", "main"}, {"alpha", "2"}}), AssetKind::kBlob);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->unsupported, (std::vector<std::string>{"zeta", "vcs.branch", "alpha"}));
  Status error = UnsupportedQualifiersError(parsed->unsupported);
  EXPECT_EQ(error.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(error.message().find("\"zeta\" not supported"), std::string::npos) << error.message();
}

TEST(QualifiersTest, VcsQualifiersAreForDirectories) {
  const std::string commit(40, 'a');
  auto parsed = ParseQualifiers(Qualifiers({{"vcs.branch", "release/1.0"}, {"vcs.commit", commit}}), AssetKind::kDirectory);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->git_requested);
  EXPECT_EQ(parsed->vcs_branch, "release/1.0");
  EXPECT_EQ(parsed->vcs_commit, commit);
}

TEST(QualifiersTest, IdentityIgnoresHeadersAndOrder) {
  auto a = ParseQualifiers(Qualifiers({{"bazel.canonical_id", "x"}, {"http_header:A", "1"}, {"other", "y"}}), AssetKind::kBlob);
  auto b = ParseQualifiers(Qualifiers({{"other", "y"}, {"bazel.canonical_id", "x"}}), AssetKind::kBlob);
  auto c = ParseQualifiers(Qualifiers({{"other", "y"}, {"bazel.canonical_id", "z"}}), AssetKind::kBlob);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->identity, b->identity);
  EXPECT_NE(a->identity, c->identity);
}

TEST(QualifiersTest, RejectsMalformedQualifiers) {
  const std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, std::string>> cases = {
      {{{"a", "1"}, {"a", "2"}}, "more than once"},
      {{{"", "1"}}, "empty name"},
      {{{"checksum.sri", "sha1-abc"}}, "checksum.sri"},
      {{{"http_header:Bad Name", "1"}}, "header name"},
      {{{"http_header:X", "a\r\nInjected: 1"}}, "line break"},
      {{{"http_header_url:x:Name", "1"}}, "http_header_url"},
      {{{"vcs.commit", "abc123"}}, "vcs.commit"},
      {{{"vcs.branch", "--upload-pack=evil"}}, "vcs.branch"},
      {{{"vcs.branch", "main"}, {"checksum.sri", "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="}}, "git"},
  };
  for (const auto& [pairs, expected] : cases) {
    auto parsed = ParseQualifiers(Qualifiers(pairs), AssetKind::kDirectory);
    ASSERT_FALSE(parsed.ok()) << expected;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(expected), std::string::npos) << parsed.status().message();
  }
}

}  // namespace
}  // namespace kiln
