// NATS client protocol lines in a captured send prefix -> PUB / HPUB / SUB commands, parsed
// strictly: a line must be complete (CRLF inside the capture), the verb one the client sends
// (case-insensitive, as the server accepts it), the argument count exact, sizes decimal, and
// the subject valid (non-empty '.'-separated tokens; no wildcards when publishing; '>' only
// last). PUB/HPUB payloads are skipped by their declared size, so a command hidden after a
// PING or after another message's payload is still seen. Anything malformed stops the parse:
// what came before it is returned, nothing after it is guessed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace panguard::agent::sensor {

struct NatsCommand {
  std::string op;  // PUB | HPUB | SUB
  std::string subject;
};

struct NatsParse {
  std::vector<NatsCommand> commands;
  bool complete = true;  // false: stopped at a malformed or cut-off line
};

NatsParse parse_nats_prefix(std::string_view bytes);

// The tenant owning a subject under tenants.<tenant>.<...>: token by token, never by string
// prefix, so "tenants.acme-evil.x" belongs to acme-evil, not acme. Empty when none owns it
// (fewer than three tokens, another root, or a wildcard in the tenant position).
std::string subject_tenant(std::string_view subject, std::string_view root = "tenants");

}  // namespace panguard::agent::sensor
