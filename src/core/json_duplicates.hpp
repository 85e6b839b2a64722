// A JSON object that names a key twice is ambiguous: most parsers, nlohmann's included, keep the
// last value without a word, so a session edited by hand could silently lose a setting. This
// parser callback refuses the second occurrence, naming the key's path ("tracks[2].gainDb").
// Header-only and templated on the JSON type, so core itself does not depend on nlohmann.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vkmix/error.hpp"

namespace vkmix {

template <class Json>
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(std::string file) : file_(std::move(file)) {}

  // For Json::parse(text, callback): `[&check](int d, auto e, Json& j) { return check(d, e, j); }`.
  bool operator()(int /*depth*/, typename Json::parse_event_t event, Json& parsed) {
    using Event = typename Json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        // A session nests six levels; a deeper file is not one, and its paths would cost memory
        // growing with the square of the depth.
        if (stack_.size() >= kMaxDepth)
          throw InputError(file_, stack_.back().path,
                           "nests deeper than " + std::to_string(kMaxDepth) + " levels");
        stack_.push_back({event == Event::array_start, childPath(), 0, {}, {}});
        break;
      case Event::object_end:
      case Event::array_end:
        stack_.pop_back();
        break;
      case Event::key: {
        Frame& f = stack_.back();
        f.key = parsed.template get<std::string>();
        if (!f.keys.insert(f.key).second)
          throw InputError(file_, f.path.empty() ? f.key : f.path + "." + f.key,
                           "appears twice in one object; give each key once");
        break;
      }
      case Event::value:
        if (!stack_.empty() && stack_.back().array) ++stack_.back().index;
        break;
    }
    return true;
  }

  // Where the value being parsed goes ("tracks[2].gainDb"; "" at the top): a parse that stops
  // inside a value (a number no double holds) names it.
  std::string currentPath() const {
    if (stack_.empty()) return {};
    const Frame& f = stack_.back();
    if (f.array) return f.path + "[" + std::to_string(f.index) + "]";
    return f.path.empty() ? f.key : f.path + "." + f.key;
  }

 private:
  static constexpr std::size_t kMaxDepth = 32;
  struct Frame {
    bool array;
    std::string path;
    std::size_t index;
    std::set<std::string> keys;
    std::string key;
  };

  std::string childPath() {
    if (stack_.empty()) return {};
    Frame& f = stack_.back();
    if (f.array) return f.path + "[" + std::to_string(f.index++) + "]";
    return f.path.empty() ? f.key : f.path + "." + f.key;
  }

  std::string file_;
  std::vector<Frame> stack_;
};

}  // namespace vkmix
