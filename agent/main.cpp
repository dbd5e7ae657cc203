// panguard: runtime security monitor. Every command lives under agent/cli/.
#include <csignal>

#include "agent/cli/commands.h"

int main(int argc, char** argv) {
  // A closed stdout must surface as a write error (counted as a drop), not kill the agent.
  std::signal(SIGPIPE, SIG_IGN);
  return panguard::agent::cli_main(argc, argv);
}
