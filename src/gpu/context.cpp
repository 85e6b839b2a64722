#include "gpu/context.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string_view>

#include "vkmix/error.hpp"

namespace vkmix::gpu {

struct Context::ValidationLog {
  std::mutex mutex;
  std::vector<std::string> errors;
};

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

std::string typeName(vk::PhysicalDeviceType t) {
  switch (t) {
    case vk::PhysicalDeviceType::eDiscreteGpu:
      return "discrete";
    case vk::PhysicalDeviceType::eIntegratedGpu:
      return "integrated";
    case vk::PhysicalDeviceType::eVirtualGpu:
      return "virtual";
    case vk::PhysicalDeviceType::eCpu:
      return "cpu";
    default:
      return "other";
  }
}

int typeRank(vk::PhysicalDeviceType t) {
  switch (t) {
    case vk::PhysicalDeviceType::eDiscreteGpu:
      return 4;
    case vk::PhysicalDeviceType::eIntegratedGpu:
      return 3;
    case vk::PhysicalDeviceType::eVirtualGpu:
      return 2;
    case vk::PhysicalDeviceType::eCpu:
      return 1;
    default:
      return 0;
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::optional<std::uint32_t> computeFamily(const vk::raii::PhysicalDevice& pd,
                                           bool graphics = false) {
  auto families = pd.getQueueFamilyProperties();
  vk::QueueFlags want = vk::QueueFlagBits::eCompute;
  if (graphics) want |= vk::QueueFlagBits::eGraphics;
  for (std::uint32_t i = 0; i < families.size(); ++i) {
    if ((families[i].queueFlags & want) == want) return i;
  }
  return std::nullopt;
}

DeviceInfo describe(const vk::raii::PhysicalDevice& pd, int index) {
  auto p = pd.getProperties();
  DeviceInfo d;
  d.index = index;
  d.name = p.deviceName.data();
  d.type = typeName(p.deviceType);
  d.apiVersion = std::to_string(VK_API_VERSION_MAJOR(p.apiVersion)) + "." +
                 std::to_string(VK_API_VERSION_MINOR(p.apiVersion)) + "." +
                 std::to_string(VK_API_VERSION_PATCH(p.apiVersion));
  d.hasCompute = computeFamily(pd).has_value();
  return d;
}

VKAPI_ATTR VkBool32 VKAPI_CALL onValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                   void* user) {
  if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
    auto* log = static_cast<Context::ValidationLog*>(user);
    std::lock_guard lock(log->mutex);
    log->errors.emplace_back(data->pMessage != nullptr ? data->pMessage : "(no message)");
  }
  return VK_FALSE;
}

vk::raii::Instance makeInstance(const vk::raii::Context& ctx, bool validation,
                                const std::vector<std::string>& wanted = {}) {
  vk::ApplicationInfo app{.pApplicationName = "vkmix",
                          .applicationVersion = VK_MAKE_API_VERSION(0, 0, 1, 0),
                          .pEngineName = "vkmix",
                          .apiVersion = VK_API_VERSION_1_2};
  std::vector<const char*> layers, extensions;
  if (validation) {
    auto available = ctx.enumerateInstanceLayerProperties();
    bool found = std::any_of(available.begin(), available.end(), [](const auto& l) {
      return std::string(l.layerName.data()) == kValidationLayer;
    });
    if (!found) {
      throw GpuError(std::string("validation requested but ") + kValidationLayer +
                     " is not installed (package vulkan-validationlayers)");
    }
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }
  for (const std::string& e : wanted) extensions.push_back(e.c_str());
  vk::InstanceCreateInfo info{
      .pApplicationInfo = &app,
      .enabledLayerCount = static_cast<std::uint32_t>(layers.size()),
      .ppEnabledLayerNames = layers.data(),
      .enabledExtensionCount = static_cast<std::uint32_t>(extensions.size()),
      .ppEnabledExtensionNames = extensions.data()};
  try {
    return vk::raii::Instance(ctx, info);
  } catch (const vk::SystemError& e) {
    throw GpuError(
        std::string("no usable Vulkan driver (") + e.what() +
        "); install mesa-vulkan-drivers for the CPU device, or render with --device cpu");
  }
}

}  // namespace

std::vector<DeviceInfo> listDevices() {
  vk::raii::Context ctx;
  vk::raii::Instance instance = makeInstance(ctx, false);
  std::vector<DeviceInfo> out;
  vk::raii::PhysicalDevices devices(instance);
  for (std::size_t i = 0; i < devices.size(); ++i)
    out.push_back(describe(devices[i], static_cast<int>(i)));
  return out;
}

Context::Context(const ContextOptions& options) : log_(std::make_unique<ValidationLog>()) {
  instance_ = makeInstance(vkContext_, options.validation, options.instanceExtensions);
  if (options.validation) {
    using S = vk::DebugUtilsMessageSeverityFlagBitsEXT;
    using T = vk::DebugUtilsMessageTypeFlagBitsEXT;
    messenger_ = instance_.createDebugUtilsMessengerEXT(
        {.messageSeverity = S::eWarning | S::eError,
         .messageType = T::eGeneral | T::eValidation | T::ePerformance,
         .pfnUserCallback = &onValidationMessage,
         .pUserData = log_.get()});
  }

  vk::raii::PhysicalDevices devices(instance_);
  if (devices.empty()) {
    throw GpuError("Vulkan found no device; install mesa-vulkan-drivers, or use --device cpu");
  }
  std::optional<std::size_t> chosen;
  const std::string& want = options.device;
  std::string reasons;
  if (!want.empty() && std::all_of(want.begin(), want.end(), ::isdigit)) {
    std::size_t idx = std::stoul(want);
    if (idx >= devices.size()) {
      throw GpuError("--device " + want + ": there are " + std::to_string(devices.size()) +
                     " Vulkan device(s); see 'vkmix devices'");
    }
    chosen = idx;
  } else {
    int bestRank = -1;
    for (std::size_t i = 0; i < devices.size(); ++i) {
      DeviceInfo d = describe(devices[i], static_cast<int>(i));
      if (!d.hasCompute) {
        reasons += " " + d.name + ": no compute queue;";
        continue;
      }
      if (!want.empty() && lower(d.name).find(lower(want)) == std::string::npos) {
        reasons += " " + d.name + ": name does not match;";
        continue;
      }
      int rank = typeRank(devices[i].getProperties().deviceType);
      if (rank > bestRank) {
        bestRank = rank;
        chosen = i;
      }
    }
  }
  if (!chosen)
    throw GpuError("no Vulkan device fits" + (want.empty() ? "" : " '" + want + "'") + ":" +
                   reasons);

  physicalDevice_ = std::move(devices[*chosen]);
  info_ = describe(physicalDevice_, static_cast<int>(*chosen));
  auto family = computeFamily(physicalDevice_, options.graphics);
  if (!family)
    throw GpuError(info_.name + " has no " + (options.graphics ? "graphics and " : "") +
                   "compute queue");
  queueFamily_ = *family;
  limits_ = physicalDevice_.getProperties().limits;
  stagesUploads_ = info_.type == "discrete";
  if (const char* env = std::getenv("VKMIX_GPU_STAGING"); env != nullptr && *env != '\0')
    stagesUploads_ = std::string_view(env) != "0";
  if (options.stageUploads) stagesUploads_ = *options.stageUploads;

  float priority = 1.0f;
  vk::DeviceQueueCreateInfo queueInfo{
      .queueFamilyIndex = queueFamily_, .queueCount = 1, .pQueuePriorities = &priority};
  // Double precision where the device has it (the denoiser's hum notches need it).
  vk::PhysicalDeviceFeatures features{};
  features.shaderFloat64 = physicalDevice_.getFeatures().shaderFloat64;
  float64_ = features.shaderFloat64 == VK_TRUE;
  std::vector<const char*> deviceExtensions;
  for (const std::string& e : options.deviceExtensions) deviceExtensions.push_back(e.c_str());
  try {
    device_ = vk::raii::Device(
        physicalDevice_, vk::DeviceCreateInfo{.queueCreateInfoCount = 1,
                                              .pQueueCreateInfos = &queueInfo,
                                              .enabledExtensionCount = static_cast<std::uint32_t>(
                                                  deviceExtensions.size()),
                                              .ppEnabledExtensionNames = deviceExtensions.data(),
                                              .pEnabledFeatures = &features});
  } catch (const vk::SystemError& e) {
    throw GpuError("creating the device on " + info_.name + ": " + e.what());
  }
  queue_ = device_.getQueue(queueFamily_, 0);
  commandPool_ =
      device_.createCommandPool({.flags = vk::CommandPoolCreateFlagBits::eResetCommandBuffer,
                                 .queueFamilyIndex = queueFamily_},
                                commandAllocator_->callbacks());
}

Context::~Context() {
  if (*device_) device_.waitIdle();
}

std::uint32_t Context::findMemoryType(std::uint32_t typeBits,
                                      vk::MemoryPropertyFlags required) const {
  constexpr std::uint32_t kNone = ~0u;
  const std::uint32_t type = findMemoryType(typeBits, required, kNone);
  if (type == kNone)
    throw GpuError(info_.name + ": no memory type with the properties a buffer needs");
  return type;
}

std::uint32_t Context::findMemoryType(std::uint32_t typeBits, vk::MemoryPropertyFlags preferred,
                                      std::uint32_t fallback) const {
  auto props = physicalDevice_.getMemoryProperties();
  for (std::uint32_t i = 0; i < props.memoryTypeCount; ++i) {
    if ((typeBits & (1u << i)) && (props.memoryTypes[i].propertyFlags & preferred) == preferred)
      return i;
  }
  return fallback;
}

int Context::validationErrorCount() const {
  std::lock_guard lock(log_->mutex);
  return static_cast<int>(log_->errors.size());
}

std::vector<std::string> Context::validationMessages() const {
  std::lock_guard lock(log_->mutex);
  return log_->errors;
}

}  // namespace vkmix::gpu
