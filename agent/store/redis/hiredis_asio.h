// Drives a hiredis async context from an Asio io_context: what hiredis's own adapters (libev,
// libevent, ...) do, for Asio. hiredis asks for read/write interest through its ev hooks; each
// interest becomes one async_wait on the socket, re-armed while hiredis still wants it.
#pragma once

#include <boost/asio/io_context.hpp>

struct redisAsyncContext;

namespace panguard::agent::redis {

// Installs the hooks on `context` (which must have no event library attached yet). The adapter
// lives until hiredis frees the context (its cleanup hook), which may happen inside one of our
// own handlers; it never closes the socket, hiredis does. Returns false when already attached.
// Call only from the thread that runs `io`.
bool attach_to_asio(boost::asio::io_context& io, redisAsyncContext* context);

}  // namespace panguard::agent::redis
