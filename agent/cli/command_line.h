// Shared Boost.Program_options plumbing for the subcommands: parsing, --help, usage errors.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace panguard::agent {

struct CommandSpec {
  std::string_view name;     // "replay", "rules check"
  std::string_view usage;    // "panguard replay --events FILE.jsonl [--rules PATH]..."
  std::string_view summary;  // one paragraph shown under the usage line
};

// Adds -h/--help to `options`, parses `args`. On a usage error prints it to stderr and sets
// exit_code to kExitUsage; on --help prints help to stdout and sets exit_code to kExitOk.
// Returns the parsed map only when the command should go on.
std::optional<boost::program_options::variables_map> parse_command_line(
    const CommandSpec& spec, const std::vector<std::string>& args,
    boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional, int& exit_code);

// Prints "panguard <command>: message" and the --help hint to stderr; returns kExitUsage.
int usage_error(std::string_view command, std::string_view message);

}  // namespace panguard::agent
