// `panguard run`: the startup steps in order, then the event loop until SIGTERM/SIGINT.
#pragma once

#include "agent/startup/app.h"

namespace panguard::agent {

// Returns the process exit code (docs/cli.md).
int run_daemon(RunOptions options);

}  // namespace panguard::agent
