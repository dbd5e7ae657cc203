#include "test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>  // EVP_EC_gen expands to strstr
#include <stdexcept>

namespace panguard::integration {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test pki: ") + what + " failed");
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  check(extension != nullptr, "X509V3_EXT_conf_nid");
  check(X509_add_ext(cert, extension, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(extension);
}

// A certificate for `key` named `common_name`, valid from an hour ago for a day. Self-signed
// when `issuer` is null.
Cert make_cert(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key,
               long serial) {
  Cert cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
  check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "subject");
  X509* signer = issuer ? issuer : cert.get();
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1, "issuer");
  if (!issuer) {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  }
  check(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

void write_pem(const std::filesystem::path& path, X509* cert, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  check(file != nullptr, "fopen");
  if (key) ::chmod(path.c_str(), 0600);
  const bool ok = cert
                      ? PEM_write_X509(file, cert) == 1
                      : PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(file);
  check(ok, "PEM write");
}

}  // namespace

struct TestPki::Ca {
  Key key;
  Cert cert;
};

TestPki::TestPki(const std::filesystem::path& dir, const std::string& name)
    : dir_(dir), ca_file_((dir / (name + "-ca.pem")).string()), ca_(std::make_unique<Ca>()) {
  ca_->key.reset(EVP_EC_gen("P-256"));
  check(ca_->key != nullptr, "EVP_EC_gen");
  ca_->cert = make_cert(ca_->key.get(), name + " test CA", nullptr, nullptr, 1);
  write_pem(ca_file_, ca_->cert.get(), nullptr);
}

TestPki::~TestPki() = default;

CertFiles TestPki::issue(const std::string& stem, const std::string& subject_alt_names) const {
  static long serial = 100;
  Key key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  Cert cert = make_cert(key.get(), stem, ca_->cert.get(), ca_->key.get(), ++serial);
  add_extension(cert.get(), ca_->cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), ca_->cert.get(), NID_subject_alt_name, subject_alt_names);
  add_extension(cert.get(), ca_->cert.get(), NID_ext_key_usage, "serverAuth");
  // Extensions added after signing would not be covered: sign again.
  check(X509_sign(cert.get(), ca_->key.get(), EVP_sha256()) > 0, "X509_sign");
  CertFiles files{(dir_ / (stem + ".crt")).string(), (dir_ / (stem + ".key")).string()};
  write_pem(files.cert, cert.get(), nullptr);
  write_pem(files.key, nullptr, key.get());
  return files;
}

}  // namespace panguard::integration
