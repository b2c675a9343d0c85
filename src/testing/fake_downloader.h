// A Downloader for tests: serves bodies or errors from a table, in two chunks, and counts
// requests, so that fetch logic is tested without a network.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "asset/downloader.h"

namespace kiln {

class FakeDownloader final : public Downloader {
 public:
  void Serve(const std::string& uri, std::string body) { bodies_[uri] = std::move(body); }
  void Fail(const std::string& uri, Status error) { errors_[uri] = std::move(error); }
  int requests() const { return requests_; }
  const DownloadRequest& last_request() const { return last_request_; }

  Status Download(const DownloadRequest& request, const DownloadSink& sink, const std::atomic<bool>& stop) override {
    ++requests_;
    last_request_ = request;
    if (auto error = errors_.find(request.uri); error != errors_.end()) return error->second;
    auto body = bodies_.find(request.uri);
    if (body == bodies_.end()) return Status::NotFound("HTTP status 404");
    const std::string_view data = body->second;
    KILN_RETURN_IF_ERROR(sink(data.substr(0, data.size() / 2)));
    return sink(data.substr(data.size() / 2));
  }

 private:
  std::map<std::string, std::string> bodies_;
  std::map<std::string, Status> errors_;
  int requests_ = 0;
  DownloadRequest last_request_;
};

}  // namespace kiln
