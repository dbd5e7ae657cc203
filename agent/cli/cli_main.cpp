#include <iostream>
#include <string_view>

#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"

namespace panguard::agent {
namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>& args);
};

constexpr Command kCommands[] = {
    {"run", "run the agent (daemon)", run_command},
    {"rules", "rules check PATH...: validate rule packs", rules_command},
    {"replay", "evaluate recorded events (JSON lines) and print alerts", replay_command},
    {"fields", "list the event fields rules can use", fields_command},
    {"audit", "audit verify PATH: check an audit file set's hash chain", audit_command},
    {"keygen", "keygen --out DIR: generate the node's (or a tenant's) key pair", keygen_command},
    {"evidence", "evidence export|verify: sealed, signed audit records of a tenant",
     evidence_command},
    {"version", "print the version", version_command},
};

void print_usage(std::ostream& out) {
  out << "Usage: panguard COMMAND [OPTIONS]\n\n"
         "Runtime security monitor for multi-tenant Kubernetes platforms.\n\nCommands:\n";
  for (const Command& command : kCommands) {
    out << "  " << command.name << std::string(10 - command.name.size(), ' ') << command.summary
        << "\n";
  }
  out << "\nRun 'panguard COMMAND --help' for a command's options.\n"
         "Exit codes: 0 ok, 1 findings or validation errors, 2 usage error, 3 runtime failure.\n";
}

}  // namespace

int cli_main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(std::cerr);
    return kExitUsage;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(std::cout);
    return kExitOk;
  }
  if (name == "--version") return version_command({});
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& command : kCommands) {
    if (command.name == name) return command.run(args);
  }
  std::cerr << "panguard: unknown command '" << name << "'\n";
  print_usage(std::cerr);
  return kExitUsage;
}

}  // namespace panguard::agent
