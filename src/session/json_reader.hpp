// ObjectReader walks one JSON object of a session file, reading typed keys and remembering which
// it read, so finish() can reject unknown keys. Every error names the file and the key's full path.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

namespace vkmix::session {

class ObjectReader {
 public:
  // `value` must outlive the reader. `path` is the object's own path ("" for the root).
  ObjectReader(const nlohmann::json& value, std::string path, const std::string& file);

  bool has(const std::string& key) const;
  double number(const std::string& key) const;                   // required
  double number(const std::string& key, double fallback) const;  // optional
  std::optional<double> optionalNumber(const std::string& key) const;
  std::optional<int> optionalInteger(const std::string& key) const;
  std::string string(const std::string& key) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  const nlohmann::json& array(const std::string& key) const;  // required, may be empty
  const nlohmann::json* optionalArray(const std::string& key) const;
  const nlohmann::json* optionalObject(const std::string& key) const;

  std::string pathOf(const std::string& key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  // "KEY: is required", naming a present key that looks like a misspelling of it.
  [[noreturn]] void missing(const std::string& key) const;
  // Throws on the first key that no accessor asked for.
  void finish() const;

 private:
  const nlohmann::json* get(const std::string& key) const;

  const nlohmann::json& value_;
  std::string path_;
  const std::string& file_;
  mutable std::set<std::string> read_;
};

// "a number", "a string", ... for messages.
std::string describeType(const nlohmann::json& value);

}  // namespace vkmix::session
