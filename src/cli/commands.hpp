// The vkmix command line: render, devices, layouts. run() returns the process exit code and
// prints errors as one line; it never throws.
#pragma once

namespace vkmix::cli {

// Exit codes: 0 success, 1 bad input (session, media, options), 2 usage, 3 GPU, 4 I/O, 5 bug,
// 130 / 143 interrupted by SIGINT / SIGTERM (temporaries removed, nothing written).
int run(int argc, char** argv);

}  // namespace vkmix::cli
