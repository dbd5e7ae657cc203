// One function per subcommand, each in its own file; `args` are the words after the command.
#pragma once

#include <string>
#include <vector>

namespace panguard::agent {

int run_command(const std::vector<std::string>& args);
int rules_command(const std::vector<std::string>& args);  // "rules check PATH..."
int replay_command(const std::vector<std::string>& args);
int fields_command(const std::vector<std::string>& args);
int version_command(const std::vector<std::string>& args);
int audit_command(const std::vector<std::string>& args);     // "audit verify PATH"
int keygen_command(const std::vector<std::string>& args);    // "keygen --out DIR"
int evidence_command(const std::vector<std::string>& args);  // "evidence export|verify"

// Dispatches argv to a command; returns the process exit code.
int cli_main(int argc, char** argv);

}  // namespace panguard::agent
