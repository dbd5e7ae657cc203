// Helpers shared by the agent unit tests.
#pragma once

#include <gtest/gtest.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "agent/packs/pack_snapshot.h"
#include "alerts/sink.h"
#include "rules/pack_loader.h"
#include "rules/rule_pack.h"

namespace panguard::agent::testing {

// Runs a coroutine to completion on a private io_context and returns its value.
template <typename T>
T run_awaitable(boost::asio::awaitable<T> awaitable) {
  boost::asio::io_context io;
  std::optional<T> value;
  boost::asio::co_spawn(io, std::move(awaitable), [&value](std::exception_ptr error, T result) {
    if (error) std::rethrow_exception(error);
    value = std::move(result);
  });
  io.run();
  return std::move(*value);
}

class RecordingSink : public alerts::Sink {
 public:
  bool write(const alerts::Alert& alert) override {
    std::lock_guard lock(mutex_);
    alerts_.push_back(alert);
    return accept_;
  }
  std::vector<alerts::Alert> alerts() const {
    std::lock_guard lock(mutex_);
    return alerts_;
  }
  void set_accept(bool accept) { accept_ = accept; }

 private:
  mutable std::mutex mutex_;
  std::vector<alerts::Alert> alerts_;
  bool accept_ = true;
};

inline std::shared_ptr<const PackSnapshot> compile_snapshot(const std::string& yaml,
                                                            const std::string& version) {
  auto compiled = rules::load_pack({rules::RuleFile{"test.yaml", yaml}});
  EXPECT_TRUE(compiled.pack) << (compiled.diagnostics.empty()
                                     ? std::string()
                                     : compiled.diagnostics.front().to_string());
  if (!compiled.pack) return nullptr;
  return std::make_shared<const PackSnapshot>(PackSnapshot{compiled.pack, version, "test"});
}

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("panguard-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& name, const std::string& content) const {
    const auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

// Two rules: a plain cross-tenant rule (deny) and a rate-limited login rule keyed by tenant.
inline constexpr const char* kTestPack = R"yaml(
- rule: Foreign path
  desc: a tenant read another tenant's path
  source: vault
  condition: vault.path_tenant != tenant.id
  output: "foreign path %vault.path (tenant=%tenant.id)"
  priority: critical
  action: deny
  tags: [vault]
- rule: Login flood
  desc: too many logins by one tenant
  source: vault
  condition: vault.operation = login
  limit:
    key: [tenant.id]
    rate: 1/s
    burst: 2
  output: "login flood (tenant=%tenant.id)"
  priority: error
)yaml";

}  // namespace panguard::agent::testing
