#include "redis/redis_connection.h"

namespace kiln::redis {
namespace {

TimePoint DeadlineAfter(Duration timeout) { return SystemClock::Get()->Now() + timeout; }

}  // namespace

StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(const Endpoint& endpoint,
                                                                    const RedisConnectionOptions& options) {
  const TimePoint deadline = DeadlineAfter(options.connect_timeout);
  StatusOr<std::unique_ptr<RedisSocket>> socket = RedisSocket::Connect(endpoint, options.tls.get(), deadline);
  if (!socket.ok()) {
    return Status(StatusCode::kUnavailable, socket.status().message()).WithContext("redis " + endpoint.ToString());
  }
  std::unique_ptr<RedisConnection> connection(new RedisConnection(endpoint, std::move(*socket)));
  KILN_RETURN_IF_ERROR(connection->Authenticate(options, deadline - SystemClock::Get()->Now()));
  return connection;
}

Status RedisConnection::Authenticate(const RedisConnectionOptions& options, Duration timeout) {
  const std::string prefix = "redis " + endpoint_.ToString() + ": ";
  if (options.password.empty()) {
    // Nothing to send, but a server that wants a password should fail here, with a clear
    // message, rather than every command later with NOAUTH.
    StatusOr<Reply> pong = Run({"PING"}, timeout);
    if (!pong.ok()) return pong.status();
    if (pong->error_code() == "NOAUTH") {
      return Status(StatusCode::kPermissionDenied,
                    prefix + "the server requires a password (NOAUTH): give USER:PASSWORD@ in the URL");
    }
    return Status::Ok();
  }
  std::vector<std::string> auth = {"AUTH"};
  if (!options.user.empty()) auth.push_back(options.user);
  auth.push_back(options.password);
  StatusOr<Reply> reply = Run(auth, timeout);
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    // Redis' messages (WRONGPASS, "AUTH <password> called without any password
    // configured...") never contain the password itself.
    const std::string user = options.user.empty() ? "default" : options.user;
    broken_ = true;
    return Status(StatusCode::kPermissionDenied, prefix + "authentication as user '" + user + "' refused: " + reply->text);
  }
  return Status::Ok();
}

Status RedisConnection::Fail(const Status& status) {
  broken_ = true;
  // Timeouts are UNAVAILABLE for callers like any other failure to get an answer.
  return Status(StatusCode::kUnavailable, status.message()).WithContext("redis " + endpoint_.ToString());
}

Status RedisConnection::Send(const std::vector<std::vector<std::string>>& commands, Duration timeout) {
  if (broken_) return Status::Unavailable("redis " + endpoint_.ToString() + ": connection broken by an earlier error");
  std::string buffer;
  for (const auto& argv : commands) AppendCommand(argv, buffer);
  Status written = socket_->WriteAll(buffer, DeadlineAfter(timeout));
  if (!written.ok()) return Fail(written);
  return Status::Ok();
}

StatusOr<std::optional<Reply>> RedisConnection::ReceiveBefore(TimePoint deadline, bool keep_on_timeout) {
  if (broken_) return Status::Unavailable("redis " + endpoint_.ToString() + ": connection broken by an earlier error");
  char buffer[16 * 1024];
  while (true) {
    StatusOr<std::optional<Reply>> next = decoder_.Next();
    if (!next.ok()) return Fail(next.status());
    if (next->has_value()) return next;
    StatusOr<size_t> got = socket_->Read(buffer, sizeof buffer, deadline);
    // A partial reply stays in the decoder for the next call.
    if (!got.ok() && keep_on_timeout && got.status().code() == StatusCode::kDeadlineExceeded) {
      return std::optional<Reply>();
    }
    if (!got.ok()) return Fail(got.status());
    Status fed = decoder_.Feed(std::string_view(buffer, *got));
    if (!fed.ok()) return Fail(fed);
  }
}

StatusOr<Reply> RedisConnection::Receive(Duration timeout) {
  StatusOr<std::optional<Reply>> reply = ReceiveBefore(DeadlineAfter(timeout), false);
  if (!reply.ok()) return reply.status();
  return std::move(**reply);
}

StatusOr<std::optional<Reply>> RedisConnection::Poll(Duration wait) { return ReceiveBefore(DeadlineAfter(wait), true); }

StatusOr<Reply> RedisConnection::Run(const std::vector<std::string>& argv, Duration timeout) {
  StatusOr<std::vector<Reply>> replies = RunPipeline({argv}, timeout);
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

StatusOr<std::vector<Reply>> RedisConnection::RunPipeline(const std::vector<std::vector<std::string>>& commands,
                                                          Duration timeout) {
  const TimePoint deadline = DeadlineAfter(timeout);
  KILN_RETURN_IF_ERROR(Send(commands, timeout));
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  while (replies.size() < commands.size()) {
    StatusOr<std::optional<Reply>> reply = ReceiveBefore(deadline, false);
    if (!reply.ok()) return reply.status();
    replies.push_back(std::move(**reply));
  }
  return replies;
}

void RedisConnection::Shutdown() {
  broken_ = true;
  socket_->Shutdown();
}

bool RedisConnection::CheckIdleConnectionLost() {
  if (!broken_ && socket_->IdleConnectionLost()) broken_ = true;
  return broken_;
}

}  // namespace kiln::redis
