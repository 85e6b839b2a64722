// The loudness table printed after every render and by `vkmix measure`, and measure's JSON.
#pragma once

#include <cstdio>
#include <string>

#include "vkmix/render.hpp"

namespace vkmix::cli {

void printLoudnessTable(std::FILE* out, const RenderReport& report);
std::string measureJson(const std::string& file, const RenderReport& report);

}  // namespace vkmix::cli
