#include "agent/sources/vault/login_body.h"

#include <algorithm>

#include "rules/strict_json.h"

namespace panguard::vault {
namespace {

constexpr int kMaxLoginBodyDepth = 16;

Rejection reject(std::string_view code, std::string_view message) {
  return Rejection{std::string(code), std::string(message)};
}

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x7f;
  });
}

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

// The parser's own message can quote the body (a password or a JWT), so only a fixed message
// per kind of failure leaves this function.
Rejection invalid_json(std::string_view parser_error) {
  if (parser_error.starts_with("duplicate key")) {
    return reject("login_body_duplicate_key", "login body has a duplicate JSON key");
  }
  if (parser_error.starts_with("nesting deeper")) {
    return reject("login_body_too_deep", "login body nests JSON too deeply");
  }
  return reject("login_body_invalid_json", "login body is not valid JSON");
}

}  // namespace

LoginRoleResult extract_login_role(std::string_view body) {
  if (body.size() > kMaxLoginBodyBytes) {
    return reject("login_body_too_large", "login body larger than 64 KiB");
  }
  if (body.empty()) return std::optional<std::string>{};
  // nlohmann skips a UTF-8 byte order mark that Vault's decoder refuses: the two must agree.
  if (body.starts_with("\xEF\xBB\xBF")) return invalid_json("byte order mark");
  // nlohmann stops reading at a NUL byte and ignores the rest; valid JSON never holds one.
  if (body.find('\0') != std::string_view::npos) return invalid_json("NUL byte");
  std::string parser_error;
  const auto document = rules::parse_strict_json(body, parser_error, kMaxLoginBodyDepth);
  if (!document) return invalid_json(parser_error);
  if (!document->is_object()) {
    return reject("login_body_not_object", "login body is not a JSON object");
  }
  for (const auto& [key, value] : document->items()) {
    if (key != "role" && equals_ignoring_ascii_case(key, "role")) {
      return reject("login_body_role_case", "login body has a key spelled like role");
    }
  }
  const auto role = document->find("role");
  if (role == document->end()) return std::optional<std::string>{};
  if (!role->is_string()) return reject("login_role_not_string", "login role is not a string");
  const auto& text = role->get_ref<const std::string&>();
  if (text.empty()) return reject("login_role_empty", "login role is empty");
  if (text.size() > kMaxRoleBytes) {
    return reject("login_role_too_long", "login role longer than 256 bytes");
  }
  if (!is_printable_ascii(text)) {
    return reject("login_role_not_printable", "login role holds a byte outside printable ASCII");
  }
  return std::optional<std::string>{text};
}

}  // namespace panguard::vault
