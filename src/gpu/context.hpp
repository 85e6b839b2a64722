// gpu::Context: the Vulkan instance, the chosen physical device, a compute queue and a command
// pool, all vk::raii. Device choice: discrete GPU, else integrated, else virtual, else CPU
// (lavapipe); or the user's --device (index or name substring). With validation on, a debug
// messenger counts validation errors so tests can fail on any.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <vulkan/vulkan_raii.hpp>

#include "gpu/command_allocator.hpp"

namespace vkmix::gpu {

struct DeviceInfo {
  int index = 0;  // position in the instance's enumeration, for --device N
  std::string name;
  std::string type;        // "discrete", "integrated", "virtual", "cpu", "other"
  std::string apiVersion;  // "1.3.230"
  bool hasCompute = false;
};

// Lists the Vulkan devices present. Throws GpuError when Vulkan has no driver at all.
std::vector<DeviceInfo> listDevices();

struct ContextOptions {
  std::string device;       // "" = best by type; digits = index; else case-insensitive substring
  bool validation = false;  // enable VK_LAYER_KHRONOS_validation (GpuError if it is missing)
  // The inspector draws with the same device: a queue family with graphics as well as compute,
  // and the extensions a window needs (VK_KHR_surface and its platform's; VK_KHR_swapchain).
  bool graphics = false;
  std::vector<std::string> instanceExtensions{};
  std::vector<std::string> deviceExtensions{};
  // Whether buffers the host refills every chunk are copied into device memory before shaders
  // read them (stagesUploads()); unset: VKMIX_GPU_STAGING=1 or 0 if set (tests run the staged
  // path on lavapipe with it), else on discrete GPUs only.
  std::optional<bool> stageUploads{};
};

class Context {
 public:
  explicit Context(const ContextOptions& options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const DeviceInfo& info() const { return info_; }
  const vk::raii::Instance& instance() const { return instance_; }
  const vk::raii::Device& device() const { return device_; }
  const vk::raii::PhysicalDevice& physicalDevice() const { return physicalDevice_; }
  const vk::raii::Queue& queue() const { return queue_; }
  const vk::raii::CommandPool& commandPool() const { return commandPool_; }
  std::uint32_t queueFamily() const { return queueFamily_; }
  const vk::PhysicalDeviceLimits& limits() const { return limits_; }
  // Whether shaders may use double precision (shaderFloat64, enabled when the device has it).
  bool hasFloat64() const { return float64_; }
  // Whether what the host writes every chunk for shaders to read (voice rows, gains) goes
  // through a staging copy into memory of the device's own. A discrete GPU's shaders would
  // otherwise read host memory across the bus, texel by texel; an integrated GPU or a CPU
  // device shares one memory, where the copy would only add a pass (ContextOptions).
  bool stagesUploads() const { return stagesUploads_; }

  // Memory type with all of `required` among `typeBits`; GpuError if none.
  std::uint32_t findMemoryType(std::uint32_t typeBits, vk::MemoryPropertyFlags required) const;
  // Memory type with all of `preferred` among `typeBits`, else `fallback`.
  std::uint32_t findMemoryType(std::uint32_t typeBits, vk::MemoryPropertyFlags preferred,
                               std::uint32_t fallback) const;

  // Validation errors seen so far (0 when validation is off), and their texts.
  int validationErrorCount() const;

  // What crossed between host and device through this context's stages, for the render report:
  // queue submissions, and bytes the host wrote into or read out of device-visible memory.
  struct Traffic {
    std::atomic<std::int64_t> submissions{0};
    std::atomic<std::int64_t> hostToDeviceBytes{0};
    std::atomic<std::int64_t> deviceToHostBytes{0};
  };
  Traffic& traffic() const { return *traffic_; }
  std::vector<std::string> validationMessages() const;

  struct ValidationLog;  // filled by the debug callback; address stable for the messenger

 private:
  // Members in creation order, so they are destroyed in reverse: the log outlives the messenger
  // that writes it, the device dies before the instance, the pool before the device.
  std::unique_ptr<ValidationLog> log_;
  vk::raii::Context vkContext_;
  vk::raii::Instance instance_{nullptr};
  vk::raii::DebugUtilsMessengerEXT messenger_{nullptr};
  vk::raii::PhysicalDevice physicalDevice_{nullptr};
  vk::raii::Device device_{nullptr};
  vk::raii::Queue queue_{nullptr};
  // The pool's host memory (command entries, on a CPU device), outliving the pool.
  std::unique_ptr<CommandAllocator> commandAllocator_ = std::make_unique<CommandAllocator>();
  vk::raii::CommandPool commandPool_{nullptr};
  std::uint32_t queueFamily_ = 0;
  vk::PhysicalDeviceLimits limits_{};
  bool float64_ = false;
  bool stagesUploads_ = false;
  DeviceInfo info_;
  std::unique_ptr<Traffic> traffic_ = std::make_unique<Traffic>();
};

}  // namespace vkmix::gpu
