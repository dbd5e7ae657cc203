#include "agent/cli/command_line.h"

#include <iostream>

#include "agent/cli/exit_codes.h"

namespace panguard::agent {

namespace po = boost::program_options;

int usage_error(std::string_view command, std::string_view message) {
  std::cerr << "panguard " << command << ": " << message << "\nTry 'panguard " << command
            << " --help'.\n";
  return kExitUsage;
}

std::optional<po::variables_map> parse_command_line(
    const CommandSpec& spec, const std::vector<std::string>& args, po::options_description& options,
    const po::positional_options_description& positional, int& exit_code) {
  options.add_options()("help,h", "show this help and exit");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    // --help before notify(): a missing required option must not hide the help.
    if (vm.count("help")) {
      std::cout << "Usage: " << spec.usage << "\n\n" << spec.summary << "\n\n" << options;
      exit_code = kExitOk;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    exit_code = usage_error(spec.name, e.what());
    return std::nullopt;
  }
  return vm;
}

}  // namespace panguard::agent
