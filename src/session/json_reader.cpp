#include "session/json_reader.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "vkmix/error.hpp"

namespace vkmix::session {

using nlohmann::json;

std::string describeType(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

ObjectReader::ObjectReader(const json& value, std::string path, const std::string& file)
    : value_(value), path_(std::move(path)), file_(file) {
  if (!value_.is_object()) {
    throw InputError(file_, path_.empty() ? "(root)" : path_,
                     "expected an object, got " + describeType(value_));
  }
}

std::string ObjectReader::pathOf(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

namespace {

// Edit distance, for "did you mean" hints on misspelt keys.
std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

void ObjectReader::missing(const std::string& key) const {
  for (auto it = value_.begin(); it != value_.end(); ++it) {
    if (it.key() != key && editDistance(it.key(), key) <= 2) {
      fail(key, "is required (is \"" + it.key() + "\" a misspelling?)");
    }
  }
  fail(key, "is required");
}

void ObjectReader::fail(const std::string& key, const std::string& problem) const {
  throw InputError(file_, key.empty() ? path_ : pathOf(key), problem);
}

bool ObjectReader::has(const std::string& key) const { return value_.contains(key); }

const json* ObjectReader::get(const std::string& key) const {
  read_.insert(key);
  auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

std::optional<double> ObjectReader::optionalNumber(const std::string& key) const {
  const json* v = get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) fail(key, "expected a number, got " + describeType(*v));
  double d = v->get<double>();
  if (!std::isfinite(d)) fail(key, "must be a finite number");
  return d;
}

double ObjectReader::number(const std::string& key) const {
  auto v = optionalNumber(key);
  if (!v) missing(key);
  return *v;
}

double ObjectReader::number(const std::string& key, double fallback) const {
  return optionalNumber(key).value_or(fallback);
}

std::optional<int> ObjectReader::optionalInteger(const std::string& key) const {
  const json* v = get(key);
  if (v == nullptr) return std::nullopt;
  // An integral number written as a double (1.0, 1e0: JSON does not tell them apart) is that
  // integer.
  const bool integral = v->is_number_float() && std::isfinite(v->get<double>()) &&
                        std::floor(v->get<double>()) == v->get<double>();
  if (!v->is_number_integer() && !v->is_number_unsigned() && !integral) {
    fail(key, "expected an integer, got " +
                  (v->is_number() ? std::string("a fraction") : describeType(*v)));
  }
  if (integral && std::abs(v->get<double>()) > 1e9) fail(key, "is out of range");
  auto i = integral ? static_cast<long long>(v->get<double>()) : v->get<long long>();
  if (i < -1000000000LL || i > 1000000000LL) fail(key, "is out of range");
  return static_cast<int>(i);
}

std::string ObjectReader::string(const std::string& key) const {
  const json* v = get(key);
  if (v == nullptr) missing(key);
  if (!v->is_string()) fail(key, "expected a string, got " + describeType(*v));
  return v->get<std::string>();
}

std::string ObjectReader::string(const std::string& key, const std::string& fallback) const {
  return has(key) ? string(key) : (read_.insert(key), fallback);
}

bool ObjectReader::boolean(const std::string& key, bool fallback) const {
  const json* v = get(key);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) fail(key, "expected true or false, got " + describeType(*v));
  return v->get<bool>();
}

const json& ObjectReader::array(const std::string& key) const {
  const json* v = optionalArray(key);
  if (v == nullptr) missing(key);
  return *v;
}

const json* ObjectReader::optionalArray(const std::string& key) const {
  const json* v = get(key);
  if (v != nullptr && !v->is_array()) fail(key, "expected an array, got " + describeType(*v));
  return v;
}

const json* ObjectReader::optionalObject(const std::string& key) const {
  const json* v = get(key);
  if (v != nullptr && !v->is_object()) fail(key, "expected an object, got " + describeType(*v));
  return v;
}

void ObjectReader::finish() const {
  for (auto it = value_.begin(); it != value_.end(); ++it) {
    if (!read_.contains(it.key())) fail(it.key(), "unknown key");
  }
}

}  // namespace vkmix::session
