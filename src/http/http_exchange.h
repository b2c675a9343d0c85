// One HTTP request served on a connection whose request header has been read: the request
// handed to the router (http_router.h) with its body streamed from the connection, and the
// handler's response written back, all with blocking calls on the worker thread that serves
// it (the stream's own timeouts bound each wait: timed_socket.h). Over plain TCP or TLS.
#pragma once

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http/http_router.h"
#include "http/request_target.h"

namespace kiln {

// Who is at the other end of a connection.
struct HttpPeer {
  std::string address;                         // "IP:PORT", for logs.
  std::vector<std::string> certificate_names;  // A verified client certificate's names.
};

template <typename Stream>
class HttpExchange {
 public:
  using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

  // `buffer` holds what was read past the header (the start of the body, perhaps).
  HttpExchange(Stream& stream, boost::beast::flat_buffer& buffer, const HttpRouter& router, const HttpPeer& peer)
      : stream_(stream), buffer_(buffer), router_(router), peer_(peer) {}

  // Serves the request whose header `parser` holds. False when the connection must close
  // (the client asked to, the response failed, or too much of the body was left unread).
  bool Serve(Parser& parser);

 private:
  static Status IoError(const char* what, const boost::system::error_code& error) {
    return Status::Unavailable(std::string(what) + ": " + error.message());
  }

  class BodyReader : public HttpBodyReader {
   public:
    BodyReader(HttpExchange& connection, Parser& parser, bool expects_continue)
        : connection_(connection), parser_(parser), expects_continue_(expects_continue) {}
    StatusOr<size_t> Read(char* buffer, size_t max) override {
      if (parser_.is_done() || max == 0) return size_t{0};
      if (expects_continue_) {
        // The client waits for this before it sends the body (curl does for large PUTs).
        expects_continue_ = false;
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        boost::system::error_code error;
        boost::asio::write(connection_.stream_, boost::asio::buffer(kContinue.data(), kContinue.size()), error);
        if (error) return IoError("writing 100 Continue", error);
      }
      auto& body = parser_.get().body();
      body.data = buffer;
      body.size = max;
      boost::system::error_code error;
      boost::beast::http::read(connection_.stream_, connection_.buffer_, parser_, error);
      if (error == boost::beast::http::error::need_buffer) error = {};
      if (error) return IoError("reading the request body", error);
      return max - body.size;
    }

   private:
    HttpExchange& connection_;
    Parser& parser_;
    bool expects_continue_;
  };

  class Responder : public HttpResponder {
   public:
    Responder(HttpExchange& connection, unsigned version, bool keep_alive, bool head)
        : connection_(connection), version_(version), keep_alive_(keep_alive), head_(head) {}

    Status Start(int status, const HttpHeaders& headers, std::optional<int64_t> content_length) override {
      if (started_) return Status::Internal("HTTP response started twice");
      started_ = true;
      response_.result(static_cast<unsigned>(status));
      response_.version(version_);
      for (const auto& [name, value] : headers.fields()) response_.insert(name, value);
      if (content_length) {
        response_.content_length(static_cast<uint64_t>(*content_length));
      } else if (!head_) {
        response_.chunked(true);
      }
      response_.keep_alive(keep_alive_);
      serializer_.emplace(response_);
      boost::system::error_code error;
      boost::beast::http::write_header(connection_.stream_, *serializer_, error);
      if (error) return Fail("writing the response header", error);
      return Status::Ok();
    }

    Status Write(std::string_view data) override {
      if (!started_ || finished_) return Status::Internal("HTTP body written outside a response");
      if (failed_) return Status::Unavailable("the client has gone");
      if (head_ || data.empty()) return Status::Ok();
      auto& body = response_.body();
      body.data = const_cast<char*>(data.data());
      body.size = data.size();
      body.more = true;
      boost::system::error_code error;
      boost::beast::http::write(connection_.stream_, *serializer_, error);
      if (error == boost::beast::http::error::need_buffer) error = {};
      if (error) return Fail("writing the response body", error);
      return Status::Ok();
    }

    Status Finish() override {
      if (!started_ || finished_) return Status::Internal("HTTP response finished twice or never started");
      finished_ = true;
      if (failed_) return Status::Unavailable("the client has gone");
      if (head_) return Status::Ok();
      auto& body = response_.body();
      body.data = nullptr;
      body.size = 0;
      body.more = false;
      boost::system::error_code error;
      boost::beast::http::write(connection_.stream_, *serializer_, error);
      if (error) return Fail("ending the response", error);
      return Status::Ok();
    }

    bool started() const override { return started_; }
    bool complete() const { return finished_ && !failed_; }

   private:
    Status Fail(const char* what, const boost::system::error_code& error) {
      failed_ = true;
      return IoError(what, error);
    }
    HttpExchange& connection_;
    const unsigned version_;
    const bool keep_alive_;
    const bool head_;
    boost::beast::http::response<boost::beast::http::buffer_body> response_;
    std::optional<boost::beast::http::response_serializer<boost::beast::http::buffer_body>> serializer_;
    bool started_ = false;
    bool finished_ = false;
    bool failed_ = false;
  };

  Stream& stream_;
  boost::beast::flat_buffer& buffer_;
  const HttpRouter& router_;
  const HttpPeer& peer_;
};

template <typename Stream>
bool HttpExchange<Stream>::Serve(Parser& parser) {
  const auto& message = parser.get();
  HttpRequest request;
  request.method = std::string(message.method_string());
  auto target = ParseRequestTarget(std::string_view(message.target().data(), message.target().size()));
  for (const auto& field : message) {
    request.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  if (parser.content_length()) request.content_length = static_cast<int64_t>(*parser.content_length());
  const auto expect = request.headers.Get("expect");
  BodyReader body(*this, parser, expect && (*expect == "100-continue" || *expect == "100-Continue"));
  request.body = &body;
  request.peer = peer_.address;
  request.credentials.certificate_names = peer_.certificate_names;
  if (auto authorization = request.headers.Get("authorization")) request.credentials.authorization = *authorization;
  Responder responder(*this, message.version(), message.keep_alive(), request.method == "HEAD");
  if (!target.ok()) {
    (void)SendStatus(responder, target.status());
  } else {
    request.path = std::move(target->path);
    request.query = std::move(target->query);
    router_.Serve(request, responder);
  }
  if (!responder.started()) (void)SendStatus(responder, Status::Internal("the handler sent no response"));
  if (!responder.complete() || !message.keep_alive()) return false;
  // What the handler left unread of the body must go before the next request can be
  // read; a little is skipped, a lot closes the connection instead.
  char skipped[16 * 1024];
  for (int64_t left = 1 << 20; !parser.is_done() && left > 0; left -= static_cast<int64_t>(sizeof(skipped))) {
    auto n = body.Read(skipped, sizeof(skipped));
    if (!n.ok()) return false;
  }
  return parser.is_done();
}

}  // namespace kiln
