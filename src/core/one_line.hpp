// Messages to the terminal: always one line, never raw control characters.
#pragma once

#include <string>
#include <string_view>

namespace vkmix {

// `text` with the control characters that file names and user text may carry (newlines, terminal
// escapes) written as \n, \r, \xHH, so a message stays on its line and cannot drive the terminal.
// A tab stays a tab: it does neither.
std::string oneLine(std::string_view text);

}  // namespace vkmix
