#include "agent/sources/vault/request_target.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>

#include "agent/sources/vault/path_segments.h"

namespace panguard::vault {
namespace {

// Views into the decoded path or the namespace header value, which outlive canonicalize()'s use
// of them: a std::string per segment was a copy (and often an allocation) per segment.
using Segments = std::vector<std::string_view>;

constexpr std::string_view kApiPrefix = "/v1/";
constexpr std::array<std::string_view, 7> kMethods = {"GET", "HEAD",  "LIST",  "POST",
                                                      "PUT", "PATCH", "DELETE"};
constexpr std::array<std::string_view, 6> kKv2Infixes = {"data",     "metadata", "delete",
                                                         "undelete", "destroy",  "subkeys"};
constexpr std::size_t kMaxVersionDigits = 18;  // always fits int64_t

Rejection reject(std::string_view code, std::string_view message) {
  return Rejection{std::string(code), std::string(message)};
}

// Names the offending input in the code and message, e.g. "namespace_dot_segment".
Rejection in_namespace_header(Rejection rejection) {
  return Rejection{"namespace_" + rejection.code, "X-Vault-Namespace header: " + rejection.message};
}

std::optional<int> hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

// Decodes %XX escapes exactly once into `decoded`. Encoded '/' and '\' would split or join
// segments differently for a decoder that runs before or after ours, so they are refused outright.
std::optional<Rejection> percent_decode_once(std::string_view raw, std::string& decoded) {
  decoded.clear();
  decoded.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      decoded.push_back(raw[i]);
      continue;
    }
    if (i + 2 >= raw.size()) {
      return reject("malformed_escape", "'%' not followed by two hex digits");
    }
    const auto high = hex_value(raw[i + 1]);
    const auto low = hex_value(raw[i + 2]);
    if (!high || !low) return reject("malformed_escape", "'%' not followed by two hex digits");
    const char byte = static_cast<char>(*high * 16 + *low);
    if (byte == '/') return reject("encoded_slash", "encoded '/' (%2F)");
    if (byte == '\\') return reject("encoded_backslash", "encoded '\\' (%5C)");
    decoded.push_back(byte);
    i += 2;
  }
  return std::nullopt;
}

// Bytes a decoded path (or a namespace header value) may never hold.
std::optional<Rejection> check_bytes(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      return reject("non_ascii",
                    "non-ASCII byte (overlong UTF-8, fullwidth dots and every other non-ASCII "
                    "byte are refused)");
    }
    if (byte < 0x20 || byte == 0x7f) return reject("control_byte", "NUL or control byte");
    switch (c) {
      case '\\':
        return reject("backslash", "'\\' in the path");
      case ';':
        return reject("semicolon", "';' in the path (path parameters are refused)");
      case '%':
        return reject("double_encoding", "'%' left after decoding once (double encoding)");
      case '?':
      case '#':
        return reject("encoded_delimiter", "encoded '?' or '#' in the path");
      default:
        break;
    }
  }
  return std::nullopt;
}

std::optional<Rejection> check_segment(std::string_view segment) {
  if (segment.empty()) return reject("empty_segment", "empty path segment ('//')");
  if (segment == "." || segment == "..") {
    return reject("dot_segment", "'.' or '..' path segment");
  }
  return std::nullopt;
}

// Splits on '/' and refuses empty, "." and ".." segments. The segments view `path`.
std::variant<Segments, Rejection> split_segments(std::string_view path) {
  Segments segments;
  segments.reserve(segment_count(path));
  SegmentCursor cursor(path);
  while (const auto segment = cursor.next()) {
    if (auto rejection = check_segment(*segment)) return std::move(*rejection);
    segments.push_back(*segment);
  }
  return segments;
}

// Appends the segments joined by '/', after a '/' when `out` already holds some.
void append_joined(std::string& out, Segments::const_iterator begin, Segments::const_iterator end) {
  for (auto it = begin; it != end; ++it) {
    if (!out.empty()) out += '/';
    out += *it;
  }
}

std::string join(const Segments& segments) {
  std::size_t size = segments.size();
  for (const std::string_view segment : segments) size += segment.size();
  std::string out;
  out.reserve(size);
  append_joined(out, segments.begin(), segments.end());
  return out;
}

struct Path {
  Segments segments;
  bool had_trailing_slash = false;
};

// The segments view `raw_path` itself when it holds no escape (decoding would copy it
// unchanged), otherwise `decoded`, which must outlive them.
std::variant<Path, Rejection> canonical_path_segments(std::string_view raw_path,
                                                      std::string& decoded) {
  std::string_view path = raw_path;
  if (raw_path.find('%') != std::string_view::npos) {
    if (auto rejection = percent_decode_once(raw_path, decoded)) return std::move(*rejection);
    path = decoded;
  }
  if (auto rejection = check_bytes(path)) return std::move(*rejection);
  Path result;
  if (!path.empty() && path.back() == '/') {
    result.had_trailing_slash = true;
    path.remove_suffix(1);
  }
  if (path.empty()) return reject("empty_path", "no Vault path after /v1/");
  auto segments = split_segments(path);
  if (auto* rejection = std::get_if<Rejection>(&segments)) return std::move(*rejection);
  result.segments = std::get<Segments>(std::move(segments));
  return result;
}

struct QueryParams {
  std::optional<bool> list;
  std::optional<int64_t> version;
};

Rejection bad_query_value(std::string_view key) {
  return reject("query_bad_value", key == "list" ? "query parameter list must be true or false"
                                                 : "query parameter version must be 1 to 18 "
                                                   "decimal digits");
}

// Only `list` and `version` are accepted (docs/vault.md): every other parameter is one more
// way for Panguard and Vault to disagree about a request, so it is refused.
std::variant<QueryParams, Rejection> parse_query(std::string_view query) {
  QueryParams params;
  std::size_t start = 0;
  while (true) {
    const std::size_t amp = query.find('&', start);
    const std::string_view pair =
        query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    const std::size_t equals = pair.find('=');
    if (pair.empty() || equals == std::string_view::npos || equals == 0) {
      return reject("query_malformed", "query must be key=value pairs separated by '&'");
    }
    const std::string_view key = pair.substr(0, equals);
    if (key != "list" && key != "version") {
      return reject("query_unknown_key", "query parameter other than list or version");
    }
    if ((key == "list" && params.list) || (key == "version" && params.version)) {
      return reject("query_duplicate_key", "query parameter given twice");
    }
    std::string value;
    if (percent_decode_once(pair.substr(equals + 1), value)) return bad_query_value(key);
    if (key == "list") {
      if (value != "true" && value != "false") return bad_query_value(key);
      params.list = value == "true";
    } else {
      const bool digits =
          !value.empty() && value.size() <= kMaxVersionDigits &&
          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) return bad_query_value(key);
      int64_t version = 0;
      std::from_chars(value.data(), value.data() + value.size(), version);
      params.version = version;
    }
    if (amp == std::string_view::npos) return params;
    start = amp + 1;
  }
}

// Header values are not percent-decoded (Vault reads them as they are), so '%' is refused
// instead of being decoded, together with list separators a joining proxy could introduce.
std::variant<Segments, Rejection> canonical_namespace_header(std::string_view value) {
  if (value.size() > kMaxNamespaceHeaderBytes) {
    return in_namespace_header(reject("too_long", "longer than 1024 bytes"));
  }
  for (char c : value) {
    if (c == '%' || c == ',' || c == ' ' || c == '?' || c == '#') {
      return in_namespace_header(reject("bad_char", "'%', ',', ' ', '?' or '#'"));
    }
  }
  if (auto rejection = check_bytes(value)) return in_namespace_header(std::move(*rejection));
  if (value.empty() || value == "/") return Segments{};  // the root namespace
  if (value.front() == '/') value.remove_prefix(1);
  if (!value.empty() && value.back() == '/') value.remove_suffix(1);
  auto segments = split_segments(value);
  if (auto* rejection = std::get_if<Rejection>(&segments)) {
    return in_namespace_header(std::move(*rejection));
  }
  return std::get<Segments>(std::move(segments));
}

// Vault joins the namespace header with leading path segments when looking a namespace up
// (header `tenants` + path `globex/secret/...` reaches namespace tenants/globex). So when the
// header is shallower than the namespace pattern, the path segments that complete it are part
// of the namespace whenever the joined segments match the pattern.
std::size_t namespace_segments_in_path(const Segments& header, const Segments& path,
                                       const RequestLayout& layout) {
  const std::size_t depth = layout.namespace_depth();
  if (!layout.namespace_pattern || header.size() >= depth) return 0;
  const std::size_t needed = depth - header.size();
  if (path.size() < needed) return 0;
  std::string candidate = join(header);
  append_joined(candidate, path.begin(), path.begin() + static_cast<std::ptrdiff_t>(needed));
  const MatchResult match = layout.namespace_pattern->match(candidate);
  return match.kind == MatchResult::Kind::kNoMatch ? 0 : needed;
}

// The number of segments of `mount` when it is canonical (split_segments() accepts it) and
// `path` starts with them; nullopt otherwise. Walks the mount in place: no per-request split.
std::optional<std::size_t> mount_prefix_length(std::string_view mount, const Segments& path) {
  std::size_t length = 0;
  bool prefix_of_path = true;
  SegmentCursor cursor(mount);
  while (const auto segment = cursor.next()) {
    if (check_segment(*segment)) return std::nullopt;  // not a canonical mount
    if (length >= path.size() || path[length] != *segment) prefix_of_path = false;
    ++length;
  }
  if (!prefix_of_path) return std::nullopt;
  return length;
}

// Index of the KV v2 infix segment in `path`, if `path` lies under a configured KV v2 mount.
std::optional<std::size_t> kv2_infix_index(const Segments& path, const RequestLayout& layout) {
  for (const std::string& mount : layout.kv2_mounts) {
    const auto prefix = mount_prefix_length(mount, path);
    if (!prefix || path.size() <= *prefix) continue;
    const std::string_view infix = path[*prefix];
    if (std::find(kKv2Infixes.begin(), kKv2Infixes.end(), infix) != kKv2Infixes.end()) {
      return *prefix;
    }
  }
  return std::nullopt;
}

std::optional<Rejection> check_target_form(std::string_view target) {
  if (target.size() > kMaxTargetBytes) {
    return reject("target_too_long", "request target longer than 8192 bytes");
  }
  if (target == "*") return reject("asterisk_form", "asterisk-form request target");
  if (target.empty() || target.front() != '/') {
    return reject("not_origin_form",
                  "request target must be origin-form (absolute-form and authority-form are "
                  "refused)");
  }
  if (target.find('#') != std::string_view::npos) {
    return reject("fragment", "'#' in the request target");
  }
  return std::nullopt;
}

}  // namespace

std::size_t RequestLayout::namespace_depth() const {
  return namespace_pattern ? namespace_pattern->fixed_segment_count() : 0;
}

RequestLayout RequestLayout::defaults() {
  auto pattern = TenantPattern::compile("tenants/{tenant}");
  assert(std::holds_alternative<TenantPattern>(pattern));
  RequestLayout layout;
  layout.namespace_pattern = std::get<TenantPattern>(std::move(pattern));
  return layout;
}

CanonicalizeResult canonicalize(std::string_view method, std::string_view target,
                                const std::vector<std::string_view>& namespace_headers,
                                const RequestLayout& layout) {
  if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) {
    return reject("method_not_allowed",
                  "method must be one of GET, HEAD, LIST, POST, PUT, PATCH, DELETE");
  }
  if (auto rejection = check_target_form(target)) return std::move(*rejection);

  const std::size_t question = target.find('?');
  const std::string_view path_part = target.substr(0, question);
  if (!path_part.starts_with(kApiPrefix)) {
    return reject("not_v1", "request target must start with /v1/");
  }

  CanonicalRequest request;
  request.raw_target = std::string(target);
  const std::string_view raw_path = path_part.substr(kApiPrefix.size());
  request.raw_path = std::string(raw_path);

  std::string decoded;  // the path's segments may view it: lives until the joins below
  auto path = canonical_path_segments(raw_path, decoded);
  if (auto* rejection = std::get_if<Rejection>(&path)) return std::move(*rejection);
  Segments& segments = std::get<Path>(path).segments;
  request.had_trailing_slash = std::get<Path>(path).had_trailing_slash;

  QueryParams query;
  if (question != std::string_view::npos) {
    auto parsed = parse_query(target.substr(question + 1));
    if (auto* rejection = std::get_if<Rejection>(&parsed)) return std::move(*rejection);
    query = std::get<QueryParams>(parsed);
  }
  request.version = query.version;
  if (query.list && method != "GET" && method != "LIST") {
    return reject("list_query_with_method", "query parameter list is accepted only with GET");
  }
  if (method == "LIST" && query.list == false) {
    return reject("list_conflict", "method LIST with list=false");
  }
  request.list = method == "LIST" || query.list == true;
  request.method = request.list ? "LIST" : std::string(method);

  if (namespace_headers.size() > 1) {
    return reject("duplicate_namespace_header", "more than one X-Vault-Namespace header");
  }
  Segments namespace_segments;
  if (!namespace_headers.empty()) {
    auto header = canonical_namespace_header(namespace_headers.front());
    if (auto* rejection = std::get_if<Rejection>(&header)) return std::move(*rejection);
    namespace_segments = std::get<Segments>(std::move(header));
  }
  const std::size_t prefix = namespace_segments_in_path(namespace_segments, segments, layout);
  if (prefix > 0) {
    const auto prefix_end = segments.begin() + static_cast<std::ptrdiff_t>(prefix);
    namespace_segments.insert(namespace_segments.end(), segments.begin(), prefix_end);
    segments.erase(segments.begin(), prefix_end);
    if (segments.empty()) return reject("empty_path", "no Vault path after the namespace");
  }
  request.namespace_path = join(namespace_segments);
  request.canonical_path = join(segments);

  if (const auto infix = kv2_infix_index(segments, layout)) {
    segments.erase(segments.begin() + static_cast<std::ptrdiff_t>(*infix));
  }
  request.logical_path = join(segments);
  return request;
}

}  // namespace panguard::vault
