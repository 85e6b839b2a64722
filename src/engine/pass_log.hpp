// Bookkeeping of renderToFile's passes (engine/deliver.cpp): the passes as the report lists
// them, and a stems folder the render made, removed again if the render fails.
#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "vkmix/error.hpp"
#include "vkmix/render.hpp"

namespace vkmix::engine {

// A stems folder a render creates goes again if the render fails (when still empty).
struct MadeFolder {
  std::filesystem::path path;
  bool keep = false;
  explicit MadeFolder(const DeliveryOptions& delivery) {
    if (delivery.stemsDir.empty()) return;
    std::error_code ec;
    if (!std::filesystem::exists(delivery.stemsDir, ec)) {
      std::filesystem::create_directory(delivery.stemsDir, ec);
      if (ec)
        throw InputError(delivery.stemsDir.string(), "--stems",
                         "cannot create the stems folder: " + ec.message());
      path = delivery.stemsDir;
    }
  }
  MadeFolder(const MadeFolder&) = delete;
  MadeFolder& operator=(const MadeFolder&) = delete;
  ~MadeFolder() {
    std::error_code ec;
    if (!path.empty() && !keep) std::filesystem::remove(path, ec);
  }
};

// The passes of a render as the report lists them, announced through options.passStarted.
class PassLog {
 public:
  // `before`: the passes that precede the delivery passes (those made already, and those still
  // to come when measurePasses is more).
  PassLog(const RenderOptions& options, std::vector<RenderPass> before, int measurePasses)
      : options_(options),
        passes_(std::move(before)),
        before_(measurePasses),
        wallStart_(std::chrono::steady_clock::now()),
        passStart_(std::chrono::steady_clock::now()) {}
  // Starts pass `pass` (from 1); at least one delivery pass follows those before.
  void start(int pass, const std::string& what) {
    if (options_.passStarted) options_.passStarted(pass, std::max(pass, before_ + 1), what);
    passes_.push_back({what, "session", 0.0});
  }
  // Ends the pass started last: its source and wall time.
  void end(bool kept) {
    const auto now = std::chrono::steady_clock::now();
    passes_.back().source = kept ? "kept render" : "session";
    passes_.back().wallSeconds = std::chrono::duration<double>(now - passStart_).count();
    passStart_ = now;
  }
  int before() const { return before_; }
  const std::vector<RenderPass>& passes() const { return passes_; }
  double wallSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart_).count();
  }

 private:
  const RenderOptions& options_;
  std::vector<RenderPass> passes_;
  int before_;
  std::chrono::steady_clock::time_point wallStart_, passStart_;
};

}  // namespace vkmix::engine
