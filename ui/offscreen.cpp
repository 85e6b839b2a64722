#include "ui/offscreen.hpp"

#include <backends/imgui_impl_vulkan.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cstring>

#include "io/atomic_file.hpp"
#include "vkmix/error.hpp"

namespace vkmix::ui {
namespace {

constexpr vk::Format kFormat = vk::Format::eR8G8B8A8Unorm;

}  // namespace

void checkVk(VkResult result) {
  if (result != VK_SUCCESS)
    throw GpuError("inspector: Vulkan call failed (" + std::to_string(result) + ")");
}

vk::raii::DescriptorPool imguiDescriptorPool(const gpu::Context& context) {
  const vk::DescriptorPoolSize size{vk::DescriptorType::eCombinedImageSampler, 8};
  return context.device().createDescriptorPool(
      {.flags = vk::DescriptorPoolCreateFlagBits::eFreeDescriptorSet,
       .maxSets = 8,
       .poolSizeCount = 1,
       .pPoolSizes = &size});
}

void initImGuiVulkan(const gpu::Context& context, const vk::raii::DescriptorPool& pool,
                     VkRenderPass renderPass, std::uint32_t imageCount) {
  ImGui_ImplVulkan_InitInfo info{};
  info.Instance = *context.instance();
  info.PhysicalDevice = *context.physicalDevice();
  info.Device = *context.device();
  info.QueueFamily = context.queueFamily();
  info.Queue = *context.queue();
  info.DescriptorPool = *pool;
  info.MinImageCount = 2;
  info.ImageCount = std::max<std::uint32_t>(imageCount, 2);
  info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
  info.CheckVkResultFn = checkVk;
  if (!ImGui_ImplVulkan_Init(&info, renderPass))
    throw GpuError("inspector: ImGui Vulkan init failed");
}

ImGuiContextGuard::ImGuiContextGuard(int width, int height) {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = {static_cast<float>(width), static_cast<float>(height)};
  ImGui::StyleColorsDark();
  ImGui::GetStyle().WindowRounding = 0.0f;
}

ImGuiContextGuard::~ImGuiContextGuard() { ImGui::DestroyContext(); }

OffscreenRenderer::OffscreenRenderer(const gpu::Context& context, int width, int height)
    : context_(context), width_(width), height_(height) {
  const vk::raii::Device& device = context.device();
  const vk::AttachmentDescription colour{.format = kFormat,
                                         .samples = vk::SampleCountFlagBits::e1,
                                         .loadOp = vk::AttachmentLoadOp::eClear,
                                         .storeOp = vk::AttachmentStoreOp::eStore,
                                         .stencilLoadOp = vk::AttachmentLoadOp::eDontCare,
                                         .stencilStoreOp = vk::AttachmentStoreOp::eDontCare,
                                         .initialLayout = vk::ImageLayout::eUndefined,
                                         .finalLayout = vk::ImageLayout::eTransferSrcOptimal};
  const vk::AttachmentReference ref{.attachment = 0,
                                    .layout = vk::ImageLayout::eColorAttachmentOptimal};
  const vk::SubpassDescription subpass{.pipelineBindPoint = vk::PipelineBindPoint::eGraphics,
                                       .colorAttachmentCount = 1,
                                       .pColorAttachments = &ref};
  // The copy after the pass waits for the colour writes.
  const vk::SubpassDependency after{
      .srcSubpass = 0,
      .dstSubpass = VK_SUBPASS_EXTERNAL,
      .srcStageMask = vk::PipelineStageFlagBits::eColorAttachmentOutput,
      .dstStageMask = vk::PipelineStageFlagBits::eTransfer,
      .srcAccessMask = vk::AccessFlagBits::eColorAttachmentWrite,
      .dstAccessMask = vk::AccessFlagBits::eTransferRead};
  renderPass_ = device.createRenderPass({.attachmentCount = 1,
                                         .pAttachments = &colour,
                                         .subpassCount = 1,
                                         .pSubpasses = &subpass,
                                         .dependencyCount = 1,
                                         .pDependencies = &after});
  const auto w = static_cast<std::uint32_t>(width), h = static_cast<std::uint32_t>(height);
  image_ = device.createImage(
      {.imageType = vk::ImageType::e2D,
       .format = kFormat,
       .extent = {w, h, 1},
       .mipLevels = 1,
       .arrayLayers = 1,
       .samples = vk::SampleCountFlagBits::e1,
       .tiling = vk::ImageTiling::eOptimal,
       .usage = vk::ImageUsageFlagBits::eColorAttachment | vk::ImageUsageFlagBits::eTransferSrc,
       .initialLayout = vk::ImageLayout::eUndefined});
  const auto req = image_.getMemoryRequirements();
  imageMemory_ =
      device.allocateMemory({.allocationSize = req.size,
                             .memoryTypeIndex = context.findMemoryType(
                                 req.memoryTypeBits, vk::MemoryPropertyFlagBits::eDeviceLocal)});
  image_.bindMemory(*imageMemory_, 0);
  view_ =
      device.createImageView({.image = *image_,
                              .viewType = vk::ImageViewType::e2D,
                              .format = kFormat,
                              .subresourceRange = {vk::ImageAspectFlagBits::eColor, 0, 1, 0, 1}});
  const vk::ImageView attachment = *view_;
  framebuffer_ = device.createFramebuffer({.renderPass = *renderPass_,
                                           .attachmentCount = 1,
                                           .pAttachments = &attachment,
                                           .width = w,
                                           .height = h,
                                           .layers = 1});
  readback_ = device.createBuffer(
      {.size = vk::DeviceSize{w} * h * 4, .usage = vk::BufferUsageFlagBits::eTransferDst});
  const auto breq = readback_.getMemoryRequirements();
  readbackMemory_ = device.allocateMemory(
      {.allocationSize = breq.size,
       .memoryTypeIndex = context.findMemoryType(
           breq.memoryTypeBits,
           vk::MemoryPropertyFlagBits::eHostVisible | vk::MemoryPropertyFlagBits::eHostCoherent)});
  readback_.bindMemory(*readbackMemory_, 0);
  descriptorPool_ = imguiDescriptorPool(context);
  commands_ = std::move(device
                            .allocateCommandBuffers({.commandPool = *context.commandPool(),
                                                     .level = vk::CommandBufferLevel::ePrimary,
                                                     .commandBufferCount = 1})
                            .front());
  fence_ = device.createFence({});

  initImGuiVulkan(context, descriptorPool_, *renderPass_, 2);
  // The font atlas goes to the GPU once.
  commands_.begin({.flags = vk::CommandBufferUsageFlagBits::eOneTimeSubmit});
  ImGui_ImplVulkan_CreateFontsTexture(*commands_);
  commands_.end();
  const vk::CommandBuffer cb = *commands_;
  context.queue().submit(vk::SubmitInfo{.commandBufferCount = 1, .pCommandBuffers = &cb}, *fence_);
  (void)device.waitForFences(*fence_, VK_TRUE, UINT64_MAX);
  device.resetFences(*fence_);
  ImGui_ImplVulkan_DestroyFontUploadObjects();
}

OffscreenRenderer::~OffscreenRenderer() {
  context_.device().waitIdle();
  ImGui_ImplVulkan_Shutdown();
}

std::vector<std::uint8_t> OffscreenRenderer::draw(ImDrawData* data, bool readback) {
  const vk::raii::Device& device = context_.device();
  const auto w = static_cast<std::uint32_t>(width_), h = static_cast<std::uint32_t>(height_);
  commands_.reset();
  commands_.begin({.flags = vk::CommandBufferUsageFlagBits::eOneTimeSubmit});
  const vk::ClearValue clear{
      .color = vk::ClearColorValue{std::array<float, 4>{0.08f, 0.09f, 0.10f, 1.0f}}};
  commands_.beginRenderPass({.renderPass = *renderPass_,
                             .framebuffer = *framebuffer_,
                             .renderArea = {{0, 0}, {w, h}},
                             .clearValueCount = 1,
                             .pClearValues = &clear},
                            vk::SubpassContents::eInline);
  ImGui_ImplVulkan_RenderDrawData(data, *commands_);
  commands_.endRenderPass();
  if (readback) {
    const vk::BufferImageCopy region{.bufferOffset = 0,
                                     .bufferRowLength = 0,
                                     .bufferImageHeight = 0,
                                     .imageSubresource = {vk::ImageAspectFlagBits::eColor, 0, 0, 1},
                                     .imageOffset = {0, 0, 0},
                                     .imageExtent = {w, h, 1}};
    commands_.copyImageToBuffer(*image_, vk::ImageLayout::eTransferSrcOptimal, *readback_, region);
  }
  commands_.end();
  const vk::CommandBuffer cb = *commands_;
  context_.queue().submit(vk::SubmitInfo{.commandBufferCount = 1, .pCommandBuffers = &cb}, *fence_);
  if (device.waitForFences(*fence_, VK_TRUE, 10'000'000'000ull) != vk::Result::eSuccess)
    throw GpuError("inspector: a frame did not finish within 10 s");
  device.resetFences(*fence_);
  std::vector<std::uint8_t> pixels;
  if (readback) {
    pixels.resize(std::size_t{w} * h * 4);
    void* mapped = readbackMemory_.mapMemory(0, pixels.size());
    std::memcpy(pixels.data(), mapped, pixels.size());
    readbackMemory_.unmapMemory();
  }
  return pixels;
}

void writePng(const std::filesystem::path& path, const std::vector<std::uint8_t>& rgba, int width,
              int height) {
  io::AtomicFile file(path);
  if (stbi_write_png(file.tempPath().c_str(), width, height, 4, rgba.data(), width * 4) == 0)
    throw IoError(path.string() + ": cannot write the PNG");
  file.commit();
}

}  // namespace vkmix::ui
