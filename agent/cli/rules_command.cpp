#include <iostream>

#include "agent/cli/command_line.h"
#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "agent/packs/pack_loading.h"

namespace panguard::agent {

namespace po = boost::program_options;

namespace {

int rules_check(const std::vector<std::string>& args) {
  const CommandSpec spec{
      "rules check", "panguard rules check PATH...",
      "Loads and compiles the rule files as one pack, in the order given (a directory adds its\n"
      "*.yaml files sorted by name). Prints every error and warning as file:line:col: message.\n"
      "Exit 1 if there is any error."};
  po::options_description options("Options");
  options.add_options()("path", po::value<std::vector<std::string>>()->value_name("PATH"),
                        "rule file or directory");
  po::positional_options_description positional;
  positional.add("path", -1);
  int exit_code = 0;
  const auto vm = parse_command_line(spec, args, options, positional, exit_code);
  if (!vm) return exit_code;
  if (!vm->count("path")) return usage_error(spec.name, "at least one PATH is required");

  const PackLoadResult result = load_rule_pack((*vm)["path"].as<std::vector<std::string>>());
  std::size_t errors = 0;
  std::size_t warnings = 0;
  for (const auto& diagnostic : result.diagnostics) {
    std::cout << diagnostic.to_string() << "\n";
    (diagnostic.severity == rules::Diagnostic::Severity::kError ? errors : warnings)++;
  }
  std::cout << "rules check: " << result.file_count << " files, "
            << (result.ok() ? result.snapshot->pack->rules().size() : 0) << " rules, " << errors
            << " errors, " << warnings << " warnings" << std::endl;
  return result.ok() ? kExitOk : kExitFindings;
}

}  // namespace

int rules_command(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "check") {
    return rules_check(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "Usage: panguard rules check PATH...\n\nSubcommands:\n"
                 "  check     validate rule files and print every diagnostic\n";
    return kExitOk;
  }
  return usage_error("rules", args.empty() ? "missing subcommand (expected: check)"
                                           : "unknown subcommand '" + args[0] + "'");
}

}  // namespace panguard::agent
