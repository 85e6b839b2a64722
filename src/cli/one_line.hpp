// Messages to the terminal: always one line, never raw control characters.
#pragma once

#include <string>
#include <string_view>

namespace vkmix::cli {

// `text` with the control characters that file names and user text may carry (newlines, terminal
// escapes) written as \n, \r, \t, \xHH, so a message stays on its line and cannot drive the
// terminal.
std::string oneLine(std::string_view text);

}  // namespace vkmix::cli
