// Exit codes of every panguard command (docs/cli.md).
#pragma once

namespace panguard::agent {

inline constexpr int kExitOk = 0;        // success
inline constexpr int kExitFindings = 1;  // validation errors: bad config, bad rules, bad events
inline constexpr int kExitUsage = 2;     // bad command line
inline constexpr int kExitRuntime = 3;   // could not do the work: I/O, bind, output failure

}  // namespace panguard::agent
