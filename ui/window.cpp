#include "ui/window.hpp"

#define GLFW_INCLUDE_NONE
#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_vulkan.h>
#include <imgui.h>

#include <chrono>
#include <cstdio>

#include "gpu/context.hpp"
#include "ui/audio_preview.hpp"
#include "ui/inspector_ui.hpp"
#include "ui/offscreen.hpp"
#include "vkmix/error.hpp"

namespace vkmix::ui {
namespace {

std::string glfwProblem() {
  const char* what = nullptr;
  glfwGetError(&what);
  return what != nullptr ? what : "unknown GLFW error";
}

struct Glfw {
  Glfw() {
    if (glfwInit() == GLFW_FALSE)
      throw InputError("inspect", "",
                       "no window system (" + glfwProblem() +
                           "); --screenshot FILE.png --time T draws without one");
  }
  ~Glfw() { glfwTerminate(); }
};

struct Window {
  GLFWwindow* handle = nullptr;
  ~Window() {
    if (handle != nullptr) glfwDestroyWindow(handle);
  }
};

// The swapchain and its per-image frames, kept by ImGui's helper structure.
class Swapchain {
 public:
  Swapchain(const gpu::Context& context, VkSurfaceKHR surface, int width, int height)
      : context_(context) {
    wd_.Surface = surface;
    const VkFormat formats[] = {VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_R8G8B8A8_UNORM};
    wd_.SurfaceFormat = ImGui_ImplVulkanH_SelectSurfaceFormat(
        *context.physicalDevice(), surface, formats, 2, VK_COLORSPACE_SRGB_NONLINEAR_KHR);
    const VkPresentModeKHR modes[] = {VK_PRESENT_MODE_FIFO_KHR};
    wd_.PresentMode =
        ImGui_ImplVulkanH_SelectPresentMode(*context.physicalDevice(), surface, modes, 1);
    resize(width, height);
  }
  ~Swapchain() {
    context_.device().waitIdle();
    ImGui_ImplVulkanH_DestroyWindow(*context_.instance(), *context_.device(), &wd_, nullptr);
  }
  void resize(int width, int height) {
    ImGui_ImplVulkanH_CreateOrResizeWindow(*context_.instance(), *context_.physicalDevice(),
                                           *context_.device(), &wd_, context_.queueFamily(),
                                           nullptr, width, height, 2);
    wd_.FrameIndex = 0;
    stale_ = false;
  }
  ImGui_ImplVulkanH_Window& data() { return wd_; }
  bool stale() const { return stale_; }

  void render(ImDrawData* draw) {
    const VkDevice device = *context_.device();
    VkSemaphore acquired = wd_.FrameSemaphores[wd_.SemaphoreIndex].ImageAcquiredSemaphore;
    VkSemaphore done = wd_.FrameSemaphores[wd_.SemaphoreIndex].RenderCompleteSemaphore;
    VkResult r = vkAcquireNextImageKHR(device, wd_.Swapchain, UINT64_MAX, acquired, VK_NULL_HANDLE,
                                       &wd_.FrameIndex);
    if (r == VK_ERROR_OUT_OF_DATE_KHR || r == VK_SUBOPTIMAL_KHR) {
      stale_ = true;
      return;
    }
    checkVk(r);
    ImGui_ImplVulkanH_Frame& fd = wd_.Frames[wd_.FrameIndex];
    checkVk(vkWaitForFences(device, 1, &fd.Fence, VK_TRUE, UINT64_MAX));
    checkVk(vkResetFences(device, 1, &fd.Fence));
    checkVk(vkResetCommandPool(device, fd.CommandPool, 0));
    VkCommandBufferBeginInfo begin{};
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    checkVk(vkBeginCommandBuffer(fd.CommandBuffer, &begin));
    VkClearValue clear{};
    clear.color = {{0.08f, 0.09f, 0.10f, 1.0f}};
    VkRenderPassBeginInfo pass{};
    pass.sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO;
    pass.renderPass = wd_.RenderPass;
    pass.framebuffer = fd.Framebuffer;
    pass.renderArea.extent = {static_cast<std::uint32_t>(wd_.Width),
                              static_cast<std::uint32_t>(wd_.Height)};
    pass.clearValueCount = 1;
    pass.pClearValues = &clear;
    vkCmdBeginRenderPass(fd.CommandBuffer, &pass, VK_SUBPASS_CONTENTS_INLINE);
    ImGui_ImplVulkan_RenderDrawData(draw, fd.CommandBuffer);
    vkCmdEndRenderPass(fd.CommandBuffer);
    checkVk(vkEndCommandBuffer(fd.CommandBuffer));
    const VkPipelineStageFlags wait = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    VkSubmitInfo submit{};
    submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    submit.waitSemaphoreCount = 1;
    submit.pWaitSemaphores = &acquired;
    submit.pWaitDstStageMask = &wait;
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &fd.CommandBuffer;
    submit.signalSemaphoreCount = 1;
    submit.pSignalSemaphores = &done;
    checkVk(vkQueueSubmit(*context_.queue(), 1, &submit, fd.Fence));
    VkPresentInfoKHR present{};
    present.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR;
    present.waitSemaphoreCount = 1;
    present.pWaitSemaphores = &done;
    present.swapchainCount = 1;
    present.pSwapchains = &wd_.Swapchain;
    present.pImageIndices = &wd_.FrameIndex;
    r = vkQueuePresentKHR(*context_.queue(), &present);
    if (r == VK_ERROR_OUT_OF_DATE_KHR || r == VK_SUBOPTIMAL_KHR) {
      stale_ = true;
    } else {
      checkVk(r);
    }
    wd_.SemaphoreIndex = (wd_.SemaphoreIndex + 1) % wd_.ImageCount;
  }

 private:
  const gpu::Context& context_;
  ImGui_ImplVulkanH_Window wd_;
  bool stale_ = false;
};

}  // namespace

int runWindow(InspectorModel& model, const InspectOptions& options) {
  Glfw glfw;
  if (glfwVulkanSupported() == GLFW_FALSE)
    throw GpuError("GLFW finds no Vulkan loader for windows");
  std::uint32_t count = 0;
  const char** required = glfwGetRequiredInstanceExtensions(&count);
  gpu::ContextOptions contextOptions{.device = options.device,
                                     .validation = options.validation,
                                     .graphics = true,
                                     .deviceExtensions = {VK_KHR_SWAPCHAIN_EXTENSION_NAME}};
  for (std::uint32_t i = 0; i < count; ++i)
    contextOptions.instanceExtensions.emplace_back(required[i]);
  const gpu::Context context(contextOptions);

  glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);
  Window window;
  const std::string title = "vkmix inspect - " + options.session.filename().string();
  window.handle = glfwCreateWindow(options.width, options.height, title.c_str(), nullptr, nullptr);
  if (window.handle == nullptr)
    throw InputError("inspect", "", "cannot open a window: " + glfwProblem());
  VkSurfaceKHR surface = VK_NULL_HANDLE;
  checkVk(glfwCreateWindowSurface(*context.instance(), window.handle, nullptr, &surface));
  VkBool32 presentable = VK_FALSE;
  vkGetPhysicalDeviceSurfaceSupportKHR(*context.physicalDevice(), context.queueFamily(), surface,
                                       &presentable);
  if (presentable == VK_FALSE) {
    vkDestroySurfaceKHR(*context.instance(), surface, nullptr);
    throw GpuError(context.info().name + " cannot present to this window");
  }
  int fbWidth = 0, fbHeight = 0;
  glfwGetFramebufferSize(window.handle, &fbWidth, &fbHeight);
  int exitCode = 0;
  {
    Swapchain swapchain(context, surface, fbWidth, fbHeight);
    ImGuiContextGuard imgui(fbWidth, fbHeight);
    ImGui_ImplGlfw_InitForVulkan(window.handle, true);
    const vk::raii::DescriptorPool pool = imguiDescriptorPool(context);
    initImGuiVulkan(context, pool, swapchain.data().RenderPass, swapchain.data().ImageCount);
    {
      // Fonts to the GPU through the first frame's command buffer.
      ImGui_ImplVulkanH_Frame& fd = swapchain.data().Frames[0];
      checkVk(vkResetCommandPool(*context.device(), fd.CommandPool, 0));
      VkCommandBufferBeginInfo begin{};
      begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
      begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
      checkVk(vkBeginCommandBuffer(fd.CommandBuffer, &begin));
      ImGui_ImplVulkan_CreateFontsTexture(fd.CommandBuffer);
      checkVk(vkEndCommandBuffer(fd.CommandBuffer));
      VkSubmitInfo submit{};
      submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
      submit.commandBufferCount = 1;
      submit.pCommandBuffers = &fd.CommandBuffer;
      checkVk(vkQueueSubmit(*context.queue(), 1, &submit, VK_NULL_HANDLE));
      context.device().waitIdle();
      ImGui_ImplVulkan_DestroyFontUploadObjects();
    }

    UiState state;
    state.playing = options.play;
    state.hrtf = options.hrtf;
    state.binaural = model.binauralRequested();
    AudioPreview preview(model, state, options.audioDevice, options.audioChannels);
    auto last = std::chrono::steady_clock::now();
    const auto started = last;
    int drawn = 0;
    while (glfwWindowShouldClose(window.handle) == GLFW_FALSE && !state.quit &&
           (options.frames <= 0 || drawn < options.frames)) {
      glfwPollEvents();
      glfwGetFramebufferSize(window.handle, &fbWidth, &fbHeight);
      if (fbWidth == 0 || fbHeight == 0) {
        glfwWaitEvents();
        continue;
      }
      if (swapchain.stale() || fbWidth != swapchain.data().Width ||
          fbHeight != swapchain.data().Height) {
        ImGui_ImplVulkan_SetMinImageCount(2);
        swapchain.resize(fbWidth, fbHeight);
      }
      const auto now = std::chrono::steady_clock::now();
      const double dt = std::chrono::duration<double>(now - last).count();
      last = now;
      preview.update(dt);  // moves the playhead while playing, feeds the meters
      ImGui_ImplVulkan_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      drawInspector(model, state,
                    frameLayout(static_cast<float>(fbWidth), static_cast<float>(fbHeight)));
      ImGui::Render();
      swapchain.render(ImGui::GetDrawData());
      ++drawn;
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "inspector: %d frames in %.2f s (%.1f frames/s) on %s; %s\n", drawn, wall,
                 wall > 0 ? drawn / wall : 0.0, context.info().name.c_str(),
                 state.audioStatus.c_str());
    context.device().waitIdle();
    ImGui_ImplVulkan_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    if (context.validationErrorCount() > 0) exitCode = 5;
  }  // the swapchain's destruction destroys the surface too
  return exitCode;
}

}  // namespace vkmix::ui
