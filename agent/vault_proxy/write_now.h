// Writing without a trip through the scheduler when the socket takes the bytes at once, as it
// nearly always does for the proxy's small messages. An asynchronous write whose first send
// succeeds still completes through a posted handler, plus a coroutine frame for the operation:
// two of each per forwarded request. nginx writes the same way: it tries, and waits for the
// socket only when the kernel says EAGAIN.
#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>

namespace panguard::agent {

template <typename Stream>
inline constexpr bool kIsPlainSocket = false;
template <typename Protocol, typename Executor>
inline constexpr bool kIsPlainSocket<boost::asio::basic_stream_socket<Protocol, Executor>> = true;

// Sends, in one system call, what a plain socket in non-blocking mode takes right now from
// `buffers`, and returns how many bytes that was. A full socket buffer is not an error (0 bytes
// go); any other failure is left in `ec`, as the asynchronous write would have reported it. A
// TLS stream, or a socket left blocking, writes nothing here: it would wait in the call.
template <typename Stream, typename ConstBuffers>
std::size_t write_now(Stream& stream, const ConstBuffers& buffers, boost::system::error_code& ec) {
  ec = {};
  if constexpr (kIsPlainSocket<Stream>) {
    if (!stream.non_blocking()) return 0;
    const std::size_t written = stream.write_some(buffers, ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) ec = {};
    return written;
  } else {
    return 0;
  }
}

}  // namespace panguard::agent
