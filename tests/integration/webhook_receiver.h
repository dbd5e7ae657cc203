// A real HTTP(S) webhook receiver for the webhook sink tests and benchmark: Beast, one thread per
// connection, keep-alive, checks every request with alerts/webhook/webhook_verifier and answers
// what the test's handler says (status, Retry-After, a delay to simulate a hung receiver).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "alerts/webhook/webhook_verifier.h"

namespace panguard::integration {

struct ReceivedRequest {
  std::string id;
  std::string timestamp;
  std::string signature;
  std::string body;
  std::string target;
  alerts::webhook::VerifyResult verdict = alerts::webhook::VerifyResult::kOk;
  std::chrono::steady_clock::time_point at;
  unsigned answered = 0;  // status sent back
};

struct ReceiverReply {
  ReceiverReply(unsigned status_code = 200, std::string retry_after_value = {},
                std::chrono::milliseconds delay_before = std::chrono::milliseconds(0))
      : status(status_code), retry_after(std::move(retry_after_value)), delay(delay_before) {}
  unsigned status;
  std::string retry_after;
  std::chrono::milliseconds delay;  // sleep before answering
};

struct ReceiverTls {
  std::string cert_file;
  std::string key_file;
};

class WebhookReceiver {
 public:
  // count_only: do not keep bodies or parse alert ids, only count alerts (for the benchmark).
  WebhookReceiver(std::vector<std::string> secrets, std::optional<ReceiverTls> tls = {},
                  bool count_only = false);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& scheme = "http") const;

  // Called for each request that passed verification (not replayed): attempt is how many times
  // this webhook-id was seen before. Default: 200.
  void set_handler(std::function<ReceiverReply(const ReceivedRequest&, std::size_t attempt)> h);

  std::vector<ReceivedRequest> requests() const;
  // Alert ids inside bodies answered with 2xx (including replays answered 200).
  std::multiset<std::string> delivered_alert_ids() const;
  uint64_t delivered_alert_count() const;
  uint64_t tls_handshake_failures() const;
  uint64_t rejected() const;  // bad signature / timestamp
  bool wait_for_alerts(uint64_t count, std::chrono::milliseconds timeout) const;
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  struct Server;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

}  // namespace panguard::integration
