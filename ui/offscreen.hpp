// ImGui frames drawn by Vulkan into an image with no window: the inspector's --screenshot mode,
// its tests and its frame-rate benchmark. The ImGui Vulkan backend is initialised here with the
// renderer's own gpu::Context and torn down with it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>
#include <vulkan/vulkan_raii.hpp>

#include "gpu/context.hpp"

struct ImDrawData;

namespace vkmix::ui {

// ImGui's global context for one window or image: created dark-styled, no ini file.
class ImGuiContextGuard {
 public:
  ImGuiContextGuard(int width, int height);
  ~ImGuiContextGuard();
  ImGuiContextGuard(const ImGuiContextGuard&) = delete;
  ImGuiContextGuard& operator=(const ImGuiContextGuard&) = delete;
};

// The ImGui Vulkan backend on the inspector's context, for whichever target draws (offscreen or
// a window's swapchain): its descriptor pool, and its initialisation against `renderPass`.
// Fonts still have to be uploaded by the caller, through a command buffer of its own.
vk::raii::DescriptorPool imguiDescriptorPool(const gpu::Context& context);
void initImGuiVulkan(const gpu::Context& context, const vk::raii::DescriptorPool& pool,
                     VkRenderPass renderPass, std::uint32_t imageCount);
// Throws GpuError for anything but VK_SUCCESS (ImGui's and the swapchain's C calls).
void checkVk(VkResult result);

class OffscreenRenderer {
 public:
  OffscreenRenderer(const gpu::Context& context, int width, int height);
  ~OffscreenRenderer();
  OffscreenRenderer(const OffscreenRenderer&) = delete;
  OffscreenRenderer& operator=(const OffscreenRenderer&) = delete;

  // Draws and waits for the GPU. With `readback`, returns the image as RGBA8 rows (top first).
  std::vector<std::uint8_t> draw(ImDrawData* data, bool readback);
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  const gpu::Context& context_;
  int width_, height_;
  vk::raii::RenderPass renderPass_{nullptr};
  vk::raii::Image image_{nullptr};
  vk::raii::DeviceMemory imageMemory_{nullptr};
  vk::raii::ImageView view_{nullptr};
  vk::raii::Framebuffer framebuffer_{nullptr};
  vk::raii::Buffer readback_{nullptr};
  vk::raii::DeviceMemory readbackMemory_{nullptr};
  vk::raii::DescriptorPool descriptorPool_{nullptr};
  vk::raii::CommandBuffer commands_{nullptr};
  vk::raii::Fence fence_{nullptr};
};

// Writes RGBA8 pixels as a PNG under a temporary name, renamed when complete. Throws IoError.
void writePng(const std::filesystem::path& path, const std::vector<std::uint8_t>& rgba, int width,
              int height);

}  // namespace vkmix::ui
