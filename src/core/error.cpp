#include "vkmix/error.hpp"

namespace vkmix {
namespace {

std::string formatInputError(const std::string& file, const std::string& field,
                             const std::string& problem) {
  std::string out = file.empty() ? std::string("input") : file;
  if (!field.empty()) out += ": " + field;
  return out + ": " + problem;
}

}  // namespace

InputError::InputError(std::string file, std::string field, const std::string& problem)
    : std::runtime_error(formatInputError(file, field, problem)),
      file_(std::move(file)),
      field_(std::move(field)),
      problem_(problem) {}

}  // namespace vkmix
