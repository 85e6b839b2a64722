// The inspector's window: GLFW (no OpenGL) with a Vulkan swapchain on the renderer's device,
// ImGui's GLFW and Vulkan backends, the frame loop, and the playhead following the preview.
#pragma once

#include "ui/inspect.hpp"
#include "ui/inspector_model.hpp"

namespace vkmix::ui {

struct InspectOptions;

// Opens the window and runs until it is closed. Without a display it throws InputError saying
// so (and that --screenshot needs none).
int runWindow(InspectorModel& model, const InspectOptions& options);

}  // namespace vkmix::ui
