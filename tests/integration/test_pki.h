// Throwaway certificates for the TLS integration tests, made with OpenSSL at test time (no
// fixtures to expire, no private keys in the repository): one CA per TestPki, leaf certificates
// it signs, all EC P-256, written as PEM under a directory the test owns.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace panguard::integration {

struct CertFiles {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key, mode 0600
};

class TestPki {
 public:
  // Makes a CA called `name` and writes its certificate to <dir>/<name>-ca.pem.
  TestPki(const std::filesystem::path& dir, const std::string& name);
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& ca_file() const { return ca_file_; }

  // A server certificate signed by this CA for `subject_alt_names` in OpenSSL's syntax
  // ("DNS:localhost,IP:127.0.0.1"), written to <dir>/<stem>.crt and <dir>/<stem>.key.
  CertFiles issue(const std::string& stem, const std::string& subject_alt_names) const;

 private:
  struct Ca;
  std::filesystem::path dir_;
  std::string ca_file_;
  std::unique_ptr<Ca> ca_;
};

}  // namespace panguard::integration
