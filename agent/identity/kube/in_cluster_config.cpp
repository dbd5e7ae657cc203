#include "agent/identity/kube/in_cluster_config.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "agent/config/upstream_address.h"

namespace panguard::agent::identity::kube {
namespace {

// Tokens are JWTs of a few KiB; anything far larger is not a token.
constexpr std::size_t kMaxTokenBytes = 64 * 1024;

std::string trim(std::string text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

std::optional<std::string> process_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::variant<ApiServer, std::string> resolve_api_server(const std::string& configured,
                                                        const EnvLookup& env) {
  std::string url = configured;
  if (url.empty()) {
    const auto host = env("KUBERNETES_SERVICE_HOST");
    const auto port = env("KUBERNETES_SERVICE_PORT");
    if (!host || host->empty() || !port || port->empty()) {
      return std::string(
          "no sensor.kubernetes.api_server and no KUBERNETES_SERVICE_HOST / "
          "KUBERNETES_SERVICE_PORT in the environment (not running in a pod?)");
    }
    const bool ipv6 = host->find(':') != std::string::npos;
    url = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  }
  auto parsed = parse_upstream_address(url);
  if (auto* error = std::get_if<std::string>(&parsed)) return "API server " + url + ": " + *error;
  const UpstreamAddress& address = std::get<UpstreamAddress>(parsed);
  if (!address.tls) return "API server " + url + ": must be https://";
  return ApiServer{address.host, address.port};
}

bool ServiceAccountToken::Stamp::operator==(const Stamp& other) const {
  return device == other.device && inode == other.inode && size == other.size &&
         modified.tv_sec == other.modified.tv_sec && modified.tv_nsec == other.modified.tv_nsec;
}

ServiceAccountToken::Read ServiceAccountToken::current() {
  auto failure = [](std::string why) { return Read{"", std::move(why)}; };
  struct stat info {};
  // stat follows the kubelet's ..data symlink, so a swapped token shows as a new inode.
  if (::stat(path_.c_str(), &info) != 0) return failure("cannot read the token file " + path_);
  const Stamp stamp{info.st_dev, info.st_ino, info.st_size, info.st_mtim};
  std::lock_guard lock(mutex_);
  if (stamp_ && *stamp_ == stamp) return Read{token_, ""};
  if (static_cast<std::size_t>(info.st_size) > kMaxTokenBytes) {
    return failure("the token file " + path_ + " is larger than a token can be");
  }
  std::ifstream in(path_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return failure("cannot read the token file " + path_);
  std::string token = trim(text.str());
  if (token.empty()) return failure("the token file " + path_ + " is empty");
  if (token.find_first_of("\r\n") != std::string::npos) {
    return failure("the token file " + path_ + " holds more than one line");
  }
  token_ = std::move(token);
  stamp_ = stamp;
  return Read{token_, ""};
}

}  // namespace panguard::agent::identity::kube
