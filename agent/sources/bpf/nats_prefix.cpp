#include "agent/sources/bpf/nats_prefix.h"

#include <cctype>
#include <optional>
#include <utility>

namespace panguard::agent::sensor {
namespace {

std::vector<std::string_view> split_args(std::string_view line) {
  std::vector<std::string_view> args;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) args.push_back(line.substr(start, i - start));
  }
  return args;
}

std::optional<std::size_t> size_arg(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  std::size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

bool valid_subject(std::string_view subject, bool wildcards) {
  if (subject.empty()) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = subject.find('.', start);
    const std::string_view token =
        subject.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (token.empty()) return false;
    for (char c : token) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7f) return false;
    }
    const bool wildcard = token == "*" || token == ">";
    if (!wildcard &&
        (token.find('*') != std::string_view::npos || token.find('>') != std::string_view::npos)) {
      return false;
    }
    if (wildcard && !wildcards) return false;
    if (token == ">" && dot != std::string_view::npos) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

NatsParse malformed(NatsParse& result) {
  result.complete = false;
  return std::move(result);
}

}  // namespace

NatsParse parse_nats_prefix(std::string_view bytes) {
  NatsParse result;
  while (!bytes.empty()) {
    const std::size_t end = bytes.find("\r\n");
    if (end == std::string_view::npos) {
      result.complete = false;  // cut off by the capture
      return result;
    }
    const std::string_view line = bytes.substr(0, end);
    bytes.remove_prefix(end + 2);
    const auto args = split_args(line);
    if (args.empty()) {
      result.complete = false;
      return result;
    }
    const std::string verb = upper(args[0]);
    if (verb == "PUB" || verb == "HPUB") {
      const bool headers = verb == "HPUB";
      const std::size_t min = headers ? 4 : 3;
      if (args.size() != min && args.size() != min + 1) return malformed(result);
      if (!valid_subject(args[1], false)) return malformed(result);
      if (args.size() == min + 1 && !valid_subject(args[2], false)) return malformed(result);
      const auto total = size_arg(args.back());
      if (!total) return malformed(result);
      if (headers) {
        const auto header = size_arg(args[args.size() - 2]);
        if (!header || *header > *total) return malformed(result);
      }
      // The message body and its CRLF. A body cut off by the capture ends the parse (the
      // command counts: its line was whole); a body that overruns its size is malformed and
      // the server would refuse it, so it does not count.
      if (bytes.size() < *total + 2) {
        result.commands.push_back({verb, std::string(args[1])});
        result.complete = false;
        return result;
      }
      if (bytes.substr(*total, 2) != "\r\n") return malformed(result);
      result.commands.push_back({verb, std::string(args[1])});
      bytes.remove_prefix(*total + 2);
    } else if (verb == "SUB") {
      if (args.size() != 3 && args.size() != 4) return malformed(result);
      if (!valid_subject(args[1], true)) return malformed(result);
      result.commands.push_back({verb, std::string(args[1])});
    } else if (verb == "PING" || verb == "PONG" || verb == "UNSUB" || verb == "CONNECT") {
      continue;  // carries no subject of interest (CONNECT's JSON is on its line)
    } else {
      return malformed(result);
    }
  }
  return result;
}

std::string subject_tenant(std::string_view subject, std::string_view root) {
  const std::size_t first = subject.find('.');
  if (first == std::string_view::npos || subject.substr(0, first) != root) return "";
  const std::size_t second = subject.find('.', first + 1);
  if (second == std::string_view::npos) return "";  // tenants.<t> alone: no stream below
  const std::string_view tenant = subject.substr(first + 1, second - first - 1);
  if (tenant.empty() || tenant == "*" || tenant == ">") return "";
  if (second + 1 >= subject.size()) return "";
  return std::string(tenant);
}

}  // namespace panguard::agent::sensor
