// `panguard audit verify PATH [--pubkey FILE]`: checks a tenant's audit files (docs/cli.md).
#include <iostream>

#include "agent/cli/command_line.h"
#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "alerts/audit/audit_set.h"
#include "alerts/keys/node_key.h"

namespace panguard::agent {

namespace po = boost::program_options;

namespace {

int audit_verify(const std::vector<std::string>& args) {
  const CommandSpec spec{
      "audit verify", "panguard audit verify PATH [--pubkey FILE]",
      "Verifies an audit stream: PATH is a stream directory (<dir>/<tenant>/, checked from seq 1\n"
      "across every audit-*.jsonl in order) or one audit file. Reports the first record that was\n"
      "modified, removed, inserted, reordered or truncated as FILE:LINE: seq N: KIND: detail.\n"
      "With --pubkey, checkpoint signatures are checked against the node's public key.\n"
      "Exit 0 intact, 1 on any break, 3 if the files cannot be read."};
  po::options_description options("Options");
  options.add_options()("path", po::value<std::string>()->value_name("PATH"),
                        "stream directory or audit file")(
      "pubkey", po::value<std::string>()->value_name("FILE"),
      "node public key (PEM, from panguard keygen)");
  po::positional_options_description positional;
  positional.add("path", 1);
  int exit_code = 0;
  const auto vm = parse_command_line(spec, args, options, positional, exit_code);
  if (!vm) return exit_code;
  if (!vm->count("path")) return usage_error(spec.name, "PATH is required");

  std::optional<alerts::NodeKey> key;
  if (vm->count("pubkey")) {
    auto loaded = alerts::load_public_key_file((*vm)["pubkey"].as<std::string>());
    if (auto* error = std::get_if<alerts::KeyError>(&loaded)) {
      std::cerr << "audit verify: " << error->message << "\n";
      return kExitRuntime;
    }
    key = std::get<alerts::NodeKey>(loaded);
  }
  const auto result =
      alerts::verify_audit_path((*vm)["path"].as<std::string>(), key ? &*key : nullptr);
  if (auto* error = std::get_if<alerts::AuditReadError>(&result)) {
    std::cerr << "audit verify: " << error->message << "\n";
    return kExitRuntime;
  }
  const alerts::ChainReport& report = std::get<alerts::ChainReport>(result);
  if (report.problem) {
    std::cout << report.problem->to_string() << "\n";
    std::cout << "audit verify: BROKEN after " << report.records << " good records" << std::endl;
    return kExitFindings;
  }
  std::cout << "audit verify: OK: " << report.records << " records";
  if (report.records > 0)
    std::cout << " (seq " << report.first_seq << ".." << report.last_seq << ")";
  std::cout << " in " << report.files << " file(s), " << report.checkpoints << " checkpoint(s)";
  if (key) {
    std::cout << ", " << report.checkpoints_verified << " signature(s) verified";
  } else if (report.checkpoints > 0) {
    std::cout << ", signatures not checked (no --pubkey)";
  }
  std::cout << "\n";
  if (report.records_after_last_checkpoint > 0) {
    // Honest about what the chain alone cannot show: records after the last signature could
    // have been cut off the end together with nothing to tell.
    std::cout << "audit verify: note: the last " << report.records_after_last_checkpoint
              << " record(s) are not covered by a checkpoint\n";
  }
  std::cout << "audit verify: head " << report.last_hash << std::endl;
  return kExitOk;
}

}  // namespace

int audit_command(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "verify") {
    return audit_verify(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "Usage: panguard audit verify PATH [--pubkey FILE]\n\nSubcommands:\n"
                 "  verify    check an audit stream's hash chain and checkpoint signatures\n";
    return kExitOk;
  }
  return usage_error("audit", args.empty() ? "missing subcommand (expected: verify)"
                                           : "unknown subcommand '" + args[0] + "'");
}

}  // namespace panguard::agent
