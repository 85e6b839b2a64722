#include "gpu/fft_plan.hpp"

#include <vkFFT.h>

#include <clocale>
#include <mutex>
#include <string>

#include "core/assert.hpp"
#include "vkmix/error.hpp"

namespace vkmix::gpu {

struct FftPlan::Impl {
  // VkFFT keeps pointers to these handles, so they live here at fixed addresses.
  VkPhysicalDevice physicalDevice = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  VkBuffer buffer = VK_NULL_HANDLE;
  std::uint64_t bufferBytes = 0;
  VkFFTApplication app = {};
  bool initialised = false;

  ~Impl() {
    if (initialised) deleteVkFFT(&app);
    if (fence != VK_NULL_HANDLE) vkDestroyFence(device, fence, nullptr);
  }

  void record(const vk::raii::CommandBuffer& commands, int inverse) {
    VkCommandBuffer cb = *commands;
    VkFFTLaunchParams launch = {};
    launch.commandBuffer = &cb;
    launch.buffer = &buffer;
    VkFFTResult r = VkFFTAppend(&app, inverse, &launch);
    if (r != VKFFT_SUCCESS)
      throw GpuError("VkFFT append failed (VkFFTResult " + std::to_string(static_cast<int>(r)) +
                     ")");
  }
};

FftPlan::FftPlan(const Context& ctx, std::uint32_t size, std::uint32_t batch,
                 const vk::raii::Buffer& buffer, vk::DeviceSize bufferBytes,
                 FftDirections directions)
    : size_(size), directions_(directions), impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.physicalDevice = *ctx.physicalDevice();
  m.device = *ctx.device();
  m.queue = *ctx.queue();
  m.pool = *ctx.commandPool();
  m.buffer = *buffer;
  m.bufferBytes = bufferBytes;
  VkFenceCreateInfo fenceInfo{};
  fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  if (vkCreateFence(m.device, &fenceInfo, nullptr, &m.fence) != VK_SUCCESS)
    throw GpuError("creating a fence for VkFFT");

  VkFFTConfiguration config = {};
  config.FFTdim = 1;
  config.size[0] = size;
  config.numberBatches = batch;
  config.performR2C = 1;
  config.makeForwardPlanOnly = directions == FftDirections::ForwardOnly ? 1 : 0;
  config.makeInversePlanOnly = directions == FftDirections::InverseOnly ? 1 : 0;
  config.physicalDevice = &m.physicalDevice;
  config.device = &m.device;
  config.queue = &m.queue;
  config.commandPool = &m.pool;
  config.fence = &m.fence;
  config.buffer = &m.buffer;
  config.bufferSize = &m.bufferBytes;
  VkFFTResult r = VKFFT_SUCCESS;
  {
    // VkFFT keeps the pointer setlocale(LC_ALL, NULL) returns across its own setlocale(LC_ALL,
    // "C") and restores from it; glibc frees that string when the locale was not "C" (GLFW sets
    // the user's locale in the inspector), a use-after-free ASan found. Plans are made under the
    // "C" locale here, one at a time, and the caller's locale is restored from a copy.
    static std::mutex localeMutex;
    std::lock_guard lock(localeMutex);
    const char* current = std::setlocale(LC_ALL, nullptr);
    const std::string saved = current != nullptr ? current : "C";
    std::setlocale(LC_ALL, "C");
    r = initializeVkFFT(&m.app, config);
    std::setlocale(LC_ALL, saved.c_str());
  }
  if (r != VKFFT_SUCCESS) {
    throw GpuError("creating a VkFFT plan of size " + std::to_string(size) + " x " +
                   std::to_string(batch) + " on " + ctx.info().name + " (VkFFTResult " +
                   std::to_string(static_cast<int>(r)) + ")");
  }
  m.initialised = true;
}

FftPlan::~FftPlan() = default;

void FftPlan::recordForward(const vk::raii::CommandBuffer& commands) const {
  VKMIX_ASSERT(directions_ != FftDirections::InverseOnly, "this FFT plan is inverse only");
  impl_->record(commands, -1);
}
void FftPlan::recordInverse(const vk::raii::CommandBuffer& commands) const {
  VKMIX_ASSERT(directions_ != FftDirections::ForwardOnly, "this FFT plan is forward only");
  impl_->record(commands, 1);
}

}  // namespace vkmix::gpu
