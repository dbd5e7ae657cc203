// The Vault proxy's one executor type. Its coroutines, sockets and timers name the io_context's
// own executor instead of the type-erased any_io_executor, which Asio otherwise copies, converts
// and dispatches through (function-pointer calls, a heap-held function per completion) in every
// composed operation of every request.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace panguard::agent {

using ProxyExecutor = boost::asio::io_context::executor_type;

template <typename T>
using ProxyAwaitable = boost::asio::awaitable<T, ProxyExecutor>;

// The completion token of every operation a proxy coroutine awaits.
inline constexpr boost::asio::use_awaitable_t<ProxyExecutor> kProxyAwait{};

using ProxySocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, ProxyExecutor>;
using ProxyTimer = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, ProxyExecutor>;

}  // namespace panguard::agent
