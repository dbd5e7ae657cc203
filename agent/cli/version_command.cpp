#include <iostream>

#include "agent/cli/command_line.h"
#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "rules/pack_loader.h"

namespace panguard::agent {

int version_command(const std::vector<std::string>& args) {
  const CommandSpec spec{"version", "panguard version", "Prints the Panguard version."};
  boost::program_options::options_description options("Options");
  int exit_code = 0;
  if (!parse_command_line(spec, args, options, {}, exit_code)) return exit_code;
  std::cout << "panguard " << PANGUARD_VERSION << "\nrules engine version " << rules::kEngineVersion
            << "\n";
  return kExitOk;
}

}  // namespace panguard::agent
