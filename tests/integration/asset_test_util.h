// Fixture and helpers for the Remote Asset integration tests: a kiln server, Fetch and
// Push stubs on its channel, and a local HTTP server for origins.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "build/bazel/remote/asset/v1/remote_asset.grpc.pb.h"
#include "test_http_server.h"
#include "test_util.h"

namespace kiln_test {

namespace asset = build::bazel::remote::asset::v1;

using Qualifiers = std::vector<std::pair<std::string, std::string>>;

template <typename Request>
Request AssetRequest(const std::vector<std::string>& uris, const Qualifiers& qualifiers = {}) {
  Request request;
  for (const std::string& uri : uris) request.add_uris(uri);
  for (const auto& [name, value] : qualifiers) {
    auto* qualifier = request.add_qualifiers();
    qualifier->set_name(name);
    qualifier->set_value(value);
  }
  return request;
}

// "sha256-<base64>" / "sha384-<base64>" of `data`.
std::string Sha256Sri(std::string_view data);
std::string Sha384Sri(std::string_view data);

class AssetServerTest : public KilnServerTest {
 protected:
  void SetUp() override {
    KilnServerTest::SetUp();
    fetch_ = asset::Fetch::NewStub(server().channel());
    push_ = asset::Push::NewStub(server().channel());
  }

  grpc::Status FetchBlob(const asset::FetchBlobRequest& request, asset::FetchBlobResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context);
    return fetch_->FetchBlob(&context, request, response);
  }
  grpc::Status FetchDirectory(const asset::FetchDirectoryRequest& request, asset::FetchDirectoryResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context);
    return fetch_->FetchDirectory(&context, request, response);
  }
  grpc::Status PushBlob(const asset::PushBlobRequest& request) {
    grpc::ClientContext context;
    SetDeadline(&context);
    asset::PushBlobResponse response;
    return push_->PushBlob(&context, request, &response);
  }
  grpc::Status PushDirectory(const asset::PushDirectoryRequest& request) {
    grpc::ClientContext context;
    SetDeadline(&context);
    asset::PushDirectoryResponse response;
    return push_->PushDirectory(&context, request, &response);
  }
  // file:// origins go under file_origin_, the one directory kiln may read file URIs from;
  // HTTP origins are on 127.0.0.1, which kiln refuses to fetch from unless told otherwise.
  std::vector<std::string> ServerFlags() const override {
    return {"--asset-file-roots", file_origin_.path(), "--asset-allow-private-networks"};
  }

  // The blob's content from the CAS, or "" (with a test failure) if it cannot be read.
  std::string ReadCasBlob(const reapi::Digest& digest);
  bool CasHas(const reapi::Digest& digest);

  TempDir file_origin_;
  TestHttpServer http_;
  std::unique_ptr<asset::Fetch::Stub> fetch_;
  std::unique_ptr<asset::Push::Stub> push_;
};

}  // namespace kiln_test
