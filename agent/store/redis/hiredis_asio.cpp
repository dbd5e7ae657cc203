#include "agent/store/redis/hiredis_asio.h"

#include <hiredis/async.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

namespace panguard::agent::redis {
namespace {

namespace asio = boost::asio;

class AsioAdapter {
 public:
  AsioAdapter(asio::io_context& io, redisAsyncContext* context)
      : context_(context), socket_(io, context->c.fd) {}

  ~AsioAdapter() {
    // hiredis owns the fd and closes it after cleanup; release() also cancels our waits, whose
    // handlers then see alive == false and touch nothing.
    *alive_ = false;
    try {
      socket_.release();
    } catch (...) {
      // Only fails when the reactor cannot deregister the fd, which hiredis closes anyway.
    }
  }

  void add_read() {
    want_read_ = true;
    if (!read_waiting_) wait(asio::posix::descriptor_base::wait_read);
  }
  void del_read() { want_read_ = false; }
  void add_write() {
    want_write_ = true;
    if (!write_waiting_) wait(asio::posix::descriptor_base::wait_write);
  }
  void del_write() { want_write_ = false; }

 private:
  void wait(asio::posix::descriptor_base::wait_type type) {
    const bool reading = type == asio::posix::descriptor_base::wait_read;
    (reading ? read_waiting_ : write_waiting_) = true;
    socket_.async_wait(type, [this, alive = alive_, reading](const boost::system::error_code& ec) {
      if (!*alive) return;  // the context (and this adapter) is gone
      (reading ? read_waiting_ : write_waiting_) = false;
      if (ec == asio::error::operation_aborted) return;
      // An error on the descriptor itself still goes to hiredis: its read/write sees the
      // failure and tears the connection down properly.
      if (reading) {
        if (!want_read_) return;
        redisAsyncHandleRead(context_);
      } else {
        if (!want_write_) return;
        redisAsyncHandleWrite(context_);
      }
      // hiredis may have freed the context (and deleted us) inside that call.
      if (!*alive) return;
      if (reading && want_read_ && !read_waiting_) wait(asio::posix::descriptor_base::wait_read);
      if (!reading && want_write_ && !write_waiting_) {
        wait(asio::posix::descriptor_base::wait_write);
      }
    });
  }

  redisAsyncContext* context_;
  asio::posix::stream_descriptor socket_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool want_read_ = false;
  bool want_write_ = false;
  bool read_waiting_ = false;
  bool write_waiting_ = false;
};

AsioAdapter* adapter(void* data) { return static_cast<AsioAdapter*>(data); }

}  // namespace

bool attach_to_asio(asio::io_context& io, redisAsyncContext* context) {
  if (context->ev.data != nullptr) return false;
  auto* attached = new AsioAdapter(io, context);
  context->ev.data = attached;
  context->ev.addRead = [](void* data) { adapter(data)->add_read(); };
  context->ev.delRead = [](void* data) { adapter(data)->del_read(); };
  context->ev.addWrite = [](void* data) { adapter(data)->add_write(); };
  context->ev.delWrite = [](void* data) { adapter(data)->del_write(); };
  context->ev.cleanup = [](void* data) { delete adapter(data); };
  return true;
}

}  // namespace panguard::agent::redis
