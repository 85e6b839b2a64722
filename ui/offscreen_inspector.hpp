// The inspector drawn offscreen frame by frame, with the mouse driven by the caller: what
// `vkmix inspect --screenshot`, the tests and the frame-rate benchmark use.
#pragma once

#include <cstdint>
#include <vector>

#include "gpu/context.hpp"
#include "ui/inspector_model.hpp"
#include "ui/inspector_ui.hpp"
#include "ui/offscreen.hpp"

namespace vkmix::ui {

class OffscreenInspector {
 public:
  OffscreenInspector(const gpu::Context& context, InspectorModel& model, int width, int height);
  // One frame: input applied, drawn, and (with `readback`) returned as RGBA8 rows.
  std::vector<std::uint8_t> frame(bool readback);
  void setMouse(float x, float y, bool down);
  UiState& state() { return state_; }
  const FrameLayout& layout() const { return layout_; }

 private:
  InspectorModel& model_;
  FrameLayout layout_;
  UiState state_;
  ImGuiContextGuard imgui_;
  OffscreenRenderer renderer_;
};

}  // namespace vkmix::ui
