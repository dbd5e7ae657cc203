// A stand-in for the Kubernetes API server over real HTTPS (Beast, one thread per connection):
// answers LISTs from bodies the test sets, and hands each WATCH request to the test as a
// WatchStream the test writes real chunked newline-delimited JSON to, ends, drops, or answers
// with an HTTP error. Records every request (target, query, Authorization) for the test to check.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace panguard::integration {

struct KubeRequest {
  std::string target;
  std::string path;
  std::map<std::string, std::string> query;  // percent-decoded
  std::string authorization;
};

// One watch response in progress, driven by the test.
class WatchStream {
 public:
  explicit WatchStream(KubeRequest request) : request_(std::move(request)) {}
  const KubeRequest& request() const { return request_; }

  void send(const std::string& json_object);  // one line, split over two chunks
  void send_raw(const std::string& bytes);    // bytes as one chunk, nothing added
  void end();                                 // the last chunk: a clean end (timeoutSeconds)
  void drop();                                // TCP close in the middle of the stream
  void fail(unsigned status, const std::string& body);  // an HTTP error instead of a stream

  struct Command {
    enum class Kind { kChunk, kEnd, kDrop, kFail } kind;
    std::string bytes;
    unsigned status = 0;
  };
  // The connection thread: the next command, or kDrop once `stopping` is set.
  Command next(const bool& stopping, std::mutex& server_mutex, std::condition_variable& wake);

 private:
  void push(Command command);

  const KubeRequest request_;
  std::mutex* mutex_ = nullptr;
  std::condition_variable* wake_ = nullptr;
  std::deque<Command> commands_;
  friend class KubeApiStandIn;
};

class KubeApiStandIn {
 public:
  // Serves HTTPS on 127.0.0.1 with this certificate chain and key.
  KubeApiStandIn(const std::string& cert_file, const std::string& key_file);
  ~KubeApiStandIn();
  KubeApiStandIn(const KubeApiStandIn&) = delete;
  KubeApiStandIn& operator=(const KubeApiStandIn&) = delete;

  uint16_t port() const { return port_; }

  // The body answered (200) to every LIST of `path` from now on.
  void set_list(const std::string& path, const std::string& body);
  // The next watch request for `path`, waiting up to `timeout`; null if none came.
  std::shared_ptr<WatchStream> next_watch(const std::string& path,
                                          std::chrono::milliseconds timeout);

  std::vector<KubeRequest> requests() const;
  std::size_t list_count(const std::string& path) const;
  uint64_t handshake_failures() const;

 private:
  struct Server;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

}  // namespace panguard::integration
