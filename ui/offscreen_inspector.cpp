#include "ui/offscreen_inspector.hpp"

#include <backends/imgui_impl_vulkan.h>
#include <imgui.h>

namespace vkmix::ui {

OffscreenInspector::OffscreenInspector(const gpu::Context& context, InspectorModel& model,
                                       int width, int height)
    : model_(model),
      layout_(frameLayout(static_cast<float>(width), static_cast<float>(height))),
      imgui_(width, height),
      renderer_(context, width, height) {
  state_.audioStatus = "offscreen: no audio preview";
  state_.binaural = model.binauralRequested();
}

void OffscreenInspector::setMouse(float x, float y, bool down) {
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = {x, y};
  io.MouseDown[0] = down;
}

std::vector<std::uint8_t> OffscreenInspector::frame(bool readback) {
  ImGuiIO& io = ImGui::GetIO();
  io.DeltaTime = 1.0f / 60.0f;
  ImGui_ImplVulkan_NewFrame();
  ImGui::NewFrame();
  drawInspector(model_, state_, layout_);
  ImGui::Render();
  return renderer_.draw(ImGui::GetDrawData(), readback);
}

}  // namespace vkmix::ui
