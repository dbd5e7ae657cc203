#include "agent/vault_proxy/sharded_vault_proxy.h"

#include <pthread.h>

#include <boost/asio/post.hpp>

#include <atomic>
#include <exception>
#include <stdexcept>
#include <thread>

namespace panguard::agent {

namespace asio = boost::asio;

struct ShardedVaultProxy::OwnLoop {
  asio::io_context io{1};  // one thread runs it
  std::thread thread;
  std::atomic<bool> finished{false};
};

ShardedVaultProxy::ShardedVaultProxy(asio::io_context& main_io, std::size_t shards,
                                     std::shared_ptr<const VaultProxyRules> rules,
                                     Pipeline& pipeline, Metrics& metrics, const TimeSource& clock,
                                     const VaultProxyOptions& options)
    : main_io_(main_io) {
  shards_.push_back(
      std::make_unique<VaultProxyServer>(main_io, rules, pipeline, metrics, clock, options));
  for (std::size_t i = 1; i < shards; ++i) {
    loops_.push_back(std::make_unique<OwnLoop>());
    shards_.push_back(std::make_unique<VaultProxyServer>(loops_.back()->io, rules, pipeline,
                                                         metrics, clock, options));
  }
}

ShardedVaultProxy::~ShardedVaultProxy() {
  for (auto& loop : loops_) {
    loop->io.stop();
    if (loop->thread.joinable()) loop->thread.join();
  }
  // The servers go before the loops whose sockets they own.
  shards_.clear();
}

std::string ShardedVaultProxy::start(const ListenAddress& listen, const UpstreamAddress& upstream) {
  const PortSharing sharing = shards_.size() > 1 ? PortSharing::kShared : PortSharing::kExclusive;
  if (std::string error = shards_.front()->start(listen, upstream, sharing); !error.empty()) {
    return error;
  }
  // The others join the port the first one got, which vault.listen may leave to the kernel.
  const ListenAddress bound{listen.host, shards_.front()->local_endpoint().port()};
  for (std::size_t i = 1; i < shards_.size(); ++i) {
    if (std::string error = shards_[i]->start(bound, upstream, sharing); !error.empty()) {
      return error;
    }
  }
  return "";
}

void ShardedVaultProxy::set_client_lookup(const ClientLookup& lookup) {
  for (auto& shard : shards_) shard->set_client_lookup(lookup);
}

void ShardedVaultProxy::serve() {
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    OwnLoop& loop = *loops_[i];
    loop.thread = std::thread([this, &loop] {
      try {
        loop.io.run();
      } catch (const std::exception& e) {
        // A dead shard would leave its share of the port unanswered: end the agent the way a
        // failure of the main loop does.
        const std::string what = e.what();
        asio::post(main_io_, [what] { throw std::runtime_error("vault proxy shard: " + what); });
      }
      loop.finished.store(true);
    });
    // Named for `top -H` and the tests: pg-vault-1, pg-vault-2, ...
    const std::string name = "pg-vault-" + std::to_string(i + 1);
    pthread_setname_np(loop.thread.native_handle(), name.c_str());
  }
}

void ShardedVaultProxy::stop() {
  shards_.front()->stop();
  for (std::size_t i = 1; i < shards_.size(); ++i) {
    asio::post(loops_[i - 1]->io, [server = shards_[i].get()] { server->stop(); });
  }
}

std::size_t ShardedVaultProxy::open_connections() const {
  std::size_t open = 0;
  for (const auto& shard : shards_) open += shard->open_connections();
  return open;
}

void ShardedVaultProxy::join(std::chrono::milliseconds grace) {
  stop();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto& loop : loops_) {
    // A loop ends by itself once its listener and connections are closed; idle timers can keep
    // it turning, so past the grace it is stopped.
    while (!loop->finished.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    loop->io.stop();
    if (loop->thread.joinable()) loop->thread.join();
  }
}

}  // namespace panguard::agent
