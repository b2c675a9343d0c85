// In-memory stand-ins for the HTTP server (http/http_handler.h), so that handler and
// router tests run without sockets: a request with a body held in a string, read in small
// pieces (as a socket delivers it), and a responder that records what was answered.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "http/http_handler.h"

namespace kiln::testing {

class StringBodyReader : public HttpBodyReader {
 public:
  explicit StringBodyReader(std::string body, size_t piece = 7) : body_(std::move(body)), piece_(piece) {}
  StatusOr<size_t> Read(char* buffer, size_t max) override {
    const size_t n = std::min({max, piece_, body_.size() - offset_});
    std::memcpy(buffer, body_.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  std::string body_;
  size_t piece_;
  size_t offset_ = 0;
};

// A request as the server would hand it over; `body` with its Content-Length.
struct FakeRequest {
  FakeRequest(std::string method, std::string path, std::string body = "")
      : reader(std::make_unique<StringBodyReader>(body)) {
    request.method = std::move(method);
    request.path = std::move(path);
    request.body = reader.get();
    request.peer = "127.0.0.1:1";
    if (!body.empty()) request.content_length = static_cast<int64_t>(body.size());
  }
  std::unique_ptr<StringBodyReader> reader;
  HttpRequest request;
};

class FakeResponder : public HttpResponder {
 public:
  Status Start(int status, const HttpHeaders& headers, std::optional<int64_t> content_length) override {
    if (started_) return Status::Internal("response started twice");
    started_ = true;
    status_ = status;
    headers_ = headers;
    content_length_ = content_length;
    return Status::Ok();
  }
  Status Write(std::string_view data) override {
    if (!started_ || finished_) return Status::Internal("write outside a response");
    body_.append(data);
    return Status::Ok();
  }
  Status Finish() override {
    finished_ = true;
    return Status::Ok();
  }
  bool started() const override { return started_; }

  int status() const { return status_; }
  const HttpHeaders& headers() const { return headers_; }
  std::optional<int64_t> content_length() const { return content_length_; }
  const std::string& body() const { return body_; }
  bool finished() const { return finished_; }

 private:
  bool started_ = false;
  bool finished_ = false;
  int status_ = 0;
  HttpHeaders headers_;
  std::optional<int64_t> content_length_;
  std::string body_;
};

}  // namespace kiln::testing
