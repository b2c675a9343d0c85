// A TCP socket for the HTTP server that is used both ways: asynchronously while a connection
// waits for its next request (no thread held), and with blocking calls while a worker serves
// the request (handlers read and write bodies in pieces). Its blocking reads and writes give
// up with `timed_out` after `timeout` without progress.
//
// Why not the socket's own blocking calls with SO_RCVTIMEO: Asio treats the EAGAIN that such
// a timeout returns as "not ready yet" and then waits in poll() with no timeout at all, so a
// client that stalled held its thread forever. Here the socket is non-blocking (as Asio's
// asynchronous calls want it anyway) and the wait is our own poll() with the timeout.
#pragma once

#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <chrono>
#include <utility>

namespace kiln {

class TimedSocket {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = boost::asio::ip::tcp::socket::lowest_layer_type;

  explicit TimedSocket(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
  }

  boost::asio::ip::tcp::socket& socket() { return socket_; }
  lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
  executor_type get_executor() { return socket_.get_executor(); }

  // For the blocking calls: how long each may wait for the peer.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  template <typename Buffers>
  size_t read_some(const Buffers& buffers, boost::system::error_code& error) {
    while (true) {
      const size_t n = socket_.read_some(buffers, error);
      if (!WouldBlock(error) || !WaitFor(POLLIN, error)) return n;
    }
  }
  template <typename Buffers>
  size_t write_some(const Buffers& buffers, boost::system::error_code& error) {
    while (true) {
      const size_t n = socket_.write_some(buffers, error);
      if (!WouldBlock(error) || !WaitFor(POLLOUT, error)) return n;
    }
  }
  template <typename Buffers>
  size_t read_some(const Buffers& buffers) {
    boost::system::error_code error;
    const size_t n = read_some(buffers, error);
    if (error) throw boost::system::system_error(error);
    return n;
  }
  template <typename Buffers>
  size_t write_some(const Buffers& buffers) {
    boost::system::error_code error;
    const size_t n = write_some(buffers, error);
    if (error) throw boost::system::system_error(error);
    return n;
  }

  // The asynchronous calls are the socket's; their time limit is the caller's timer.
  template <typename Buffers, typename Handler>
  auto async_read_some(const Buffers& buffers, Handler&& handler) {
    return socket_.async_read_some(buffers, std::forward<Handler>(handler));
  }
  template <typename Buffers, typename Handler>
  auto async_write_some(const Buffers& buffers, Handler&& handler) {
    return socket_.async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  static bool WouldBlock(const boost::system::error_code& error) {
    return error == boost::asio::error::would_block || error == boost::asio::error::try_again;
  }

  // True when the socket became ready (or has an error or hang-up for the next call to
  // report); false with `error` set when the timeout passed or poll failed.
  bool WaitFor(short events, boost::system::error_code& error) {
    pollfd descriptor{socket_.native_handle(), events, 0};
    int ready;
    do {
      ready = ::poll(&descriptor, 1, static_cast<int>(timeout_.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready == 0) {
      error = boost::asio::error::timed_out;
      return false;
    }
    if (ready < 0) {
      error = boost::system::error_code(errno, boost::system::system_category());
      return false;
    }
    error = {};
    return true;
  }

  boost::asio::ip::tcp::socket socket_;
  std::chrono::milliseconds timeout_{30'000};
};

}  // namespace kiln
