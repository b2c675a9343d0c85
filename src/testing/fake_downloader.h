// A Downloader for tests: serves bodies or errors from a table, in two chunks, and counts
// requests, so that fetch logic is tested without a network. A stalled URI never answers:
// its download waits for `stop` (at most 10 s). Configure before downloads start.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "asset/downloader.h"

namespace kiln {

class FakeDownloader final : public Downloader {
 public:
  void Serve(const std::string& uri, std::string body) { bodies_[uri] = std::move(body); }
  void Fail(const std::string& uri, Status error) { errors_[uri] = std::move(error); }
  void Stall(const std::string& uri) { stalled_.insert(uri); }
  // Called at the start of every download (to hold it while a test arranges something).
  void BeforeEachDownload(std::function<void()> hook) { before_each_ = std::move(hook); }
  int requests() const { return requests_; }
  const DownloadRequest& last_request() const { return last_request_; }

  Status Download(const DownloadRequest& request, const DownloadSink& sink, const std::atomic<bool>& stop) override {
    ++requests_;
    {
      std::lock_guard lock(mutex_);
      last_request_ = request;
    }
    if (before_each_) before_each_();
    if (stalled_.contains(request.uri)) {
      for (int i = 0; i < 1000 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return stop ? Status::Cancelled("the download was stopped") : Status::Unavailable("stalled");
    }
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
  std::set<std::string> stalled_;
  std::function<void()> before_each_;
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  DownloadRequest last_request_;  // Guarded by mutex_.
};

}  // namespace kiln
