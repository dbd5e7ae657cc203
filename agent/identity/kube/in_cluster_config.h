// Where the Kubernetes API is and how the agent proves who it is: the API server address (the
// configured one, or KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT as inside every pod) and
// the service-account token, re-read whenever the file changes because projected tokens rotate
// (the kubelet rewrites them well before they expire).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

namespace panguard::agent::identity::kube {

inline constexpr const char* kDefaultTokenFile =
    "/var/run/secrets/kubernetes.io/serviceaccount/token";
inline constexpr const char* kDefaultCaFile =
    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

struct ApiServer {
  std::string host;  // a name or an IP literal (no brackets); also the name the cert must carry
  uint16_t port = 443;
};

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> process_env(const char* name);

// `configured` is "https://host:port" (already validated by the config loader) or empty, in which
// case the in-cluster environment variables name the server. Returns it or why there is none.
std::variant<ApiServer, std::string> resolve_api_server(const std::string& configured,
                                                        const EnvLookup& env = process_env);

// The bearer token from a file, cached and re-read when the file's identity, size or mtime
// changes (the kubelet swaps projected tokens in atomically through a symlink). Thread-safe. The
// token is never logged: errors name the file, not the contents.
class ServiceAccountToken {
 public:
  explicit ServiceAccountToken(std::string path) : path_(std::move(path)) {}

  struct Read {
    std::string token;  // set when error is empty
    std::string error;  // why there is no token: missing, empty, unreadable
  };
  Read current();
  const std::string& path() const { return path_; }

 private:
  struct Stamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    timespec modified{};
    bool operator==(const Stamp& other) const;
  };
  const std::string path_;
  std::mutex mutex_;
  std::optional<Stamp> stamp_;
  std::string token_;
};

}  // namespace panguard::agent::identity::kube
