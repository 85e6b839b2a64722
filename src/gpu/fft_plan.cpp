#include "gpu/fft_plan.hpp"

#include <vkFFT.h>

#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/assert.hpp"
#include "core/files.hpp"
#include "gpu/buffer.hpp"
#include "vkmix/error.hpp"

namespace vkmix::gpu {
namespace {

// VkFFT generates GLSL for every plan and compiles it with glslang: 100-350 ms per plan on this
// project's CPUs, a sixth of a short reverb render. Its SPIR-V is kept on disk, keyed by
// everything the code depends on (VkFFT's version, the device and driver, the plan's shape),
// so a plan made before loads instead of compiling. The cache is best effort: a file that is
// missing, truncated, for another key or fails its checksum is compiled again and rewritten.
// $VKMIX_CACHE_DIR names the folder (empty: no cache); else $XDG_CACHE_HOME/vkmix or
// ~/.cache/vkmix.
constexpr char kMagic[] = "vkmix VkFFT kernels 1\n";

// The cache entry's key: what VkFFT's kernels for this plan depend on.
std::string cacheKey(const Context& ctx, const VkFFTConfiguration& config) {
  const vk::PhysicalDeviceProperties props = ctx.physicalDevice().getProperties();
  std::ostringstream key;
  key << "vkfft " << VkFFTGetVersion() << "; device " << props.vendorID << ":" << props.deviceID
      << " " << props.deviceName.data() << " driver " << props.driverVersion << " uuid";
  for (std::uint8_t b : props.pipelineCacheUUID) key << " " << static_cast<int>(b);
  key << "; dim " << config.FFTdim << " size " << config.size[0] << " batch "
      << config.numberBatches << " r2c " << config.performR2C << " forwardOnly "
      << config.makeForwardPlanOnly << " inverseOnly " << config.makeInversePlanOnly << " zeropad "
      << config.performZeropadding[0] << " " << config.fft_zeropad_left[0] << " "
      << config.fft_zeropad_right[0] << " bytes " << *config.bufferSize << " offsetsAtLaunch "
      << config.specifyOffsetsAtLaunch << " userTemp " << config.userTempBuffer;
  return key.str();
}

std::filesystem::path cacheFile(const std::filesystem::path& dir, const std::string& key) {
  std::ostringstream name;
  name << "vkfft-" << std::hex << fnv1a(key.data(), key.size()) << ".bin";
  return dir / name.str();
}

// The cached kernels for `key`, or nothing.
std::optional<std::vector<std::uint32_t>> loadKernels(const std::filesystem::path& file,
                                                      const std::string& key) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string header = kMagic + key + "\n";
  if (bytes.size() < header.size() + 16 || bytes.compare(0, header.size(), header) != 0)
    return std::nullopt;
  std::uint64_t size = 0, sum = 0;
  std::memcpy(&size, bytes.data() + header.size(), 8);
  std::memcpy(&sum, bytes.data() + header.size() + 8, 8);
  const std::size_t at = header.size() + 16;
  if (size == 0 || size % 4 != 0 || bytes.size() - at != size) return std::nullopt;
  if (fnv1a(bytes.data() + at, size) != sum) return std::nullopt;
  std::vector<std::uint32_t> words(size / 4);
  std::memcpy(words.data(), bytes.data() + at, size);
  return words;
}

// The kernels after their header, size and checksum, written whole or not at all.
void saveKernels(const std::filesystem::path& file, const std::string& key, const void* data,
                 std::uint64_t size) {
  std::string bytes = kMagic + key + "\n";
  const std::uint64_t sum = fnv1a(data, size);
  bytes.append(reinterpret_cast<const char*>(&size), 8);
  bytes.append(reinterpret_cast<const char*>(&sum), 8);
  bytes.append(static_cast<const char*>(data), size);
  writeCacheFile(file, bytes);
}

}  // namespace

struct FftPlan::Impl {
  // VkFFT keeps pointers to these handles, so they live here at fixed addresses.
  VkPhysicalDevice physicalDevice = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  VkBuffer buffer = VK_NULL_HANDLE;
  std::uint64_t bufferBytes = 0;
  // With offsets at launch, VkFFT binds its scratch buffer with the whole buffer's range, but
  // sizes its own for one batch: its contract is a scratch buffer as big as the buffer, so the
  // plan makes one when the caller gives none (lavapipe's forward transforms at an offset use
  // none; a GPU's may).
  std::unique_ptr<Buffer> temp;
  VkBuffer tempBuffer = VK_NULL_HANDLE;
  std::uint64_t tempBytes = 0;
  VkFFTApplication app = {};
  bool initialised = false;

  ~Impl() {
    if (initialised) deleteVkFFT(&app);
    if (fence != VK_NULL_HANDLE) vkDestroyFence(device, fence, nullptr);
  }

  void record(const vk::raii::CommandBuffer& commands, int inverse, vk::DeviceSize offsetBytes) {
    VkCommandBuffer cb = *commands;
    VkFFTLaunchParams launch = {};
    launch.commandBuffer = &cb;
    launch.buffer = &buffer;
    launch.bufferOffset = offsetBytes;
    VkFFTResult r = VkFFTAppend(&app, inverse, &launch);
    if (r != VKFFT_SUCCESS)
      throw GpuError("VkFFT append failed (VkFFTResult " + std::to_string(static_cast<int>(r)) +
                     ")");
  }
};

FftPlan::FftPlan(const Context& ctx, std::uint32_t size, std::uint32_t batch,
                 const vk::raii::Buffer& buffer, vk::DeviceSize bufferBytes,
                 FftDirections directions, FftRows rows, const Buffer* scratch)
    : size_(size),
      directions_(directions),
      offsetsAtLaunch_(rows.offsetsAtLaunch),
      impl_(std::make_unique<Impl>()) {
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

  // Every field set here that shapes the kernels is part of cacheKey() too.
  VkFFTConfiguration config = {};
  config.FFTdim = 1;
  config.size[0] = size;
  config.numberBatches = batch;
  config.performR2C = 1;
  config.specifyOffsetsAtLaunch = rows.offsetsAtLaunch ? 1 : 0;
  if (rows.offsetsAtLaunch || scratch != nullptr) {
    if (scratch == nullptr) {
      m.temp = std::make_unique<Buffer>(ctx, bufferBytes, vk::BufferUsageFlagBits::eStorageBuffer,
                                        Placement::Device);
      scratch = m.temp.get();
    }
    VKMIX_ASSERT(scratch->bytes() >= bufferBytes, "an FFT scratch buffer smaller than the buffer");
    m.tempBuffer = *scratch->buffer();
    m.tempBytes = scratch->bytes();
    config.userTempBuffer = 1;
    config.tempBuffer = &m.tempBuffer;
    config.tempBufferSize = &m.tempBytes;
  }
  if (rows.inverseWritesSecondHalf) {
    // A forward transform of the same plan would read the first half as zeros.
    VKMIX_ASSERT(directions == FftDirections::InverseOnly,
                 "inverseWritesSecondHalf needs an inverse-only plan");
    // VkFFT's spatial zero padding [left, right): an inverse does not store those samples.
    config.performZeropadding[0] = 1;
    config.fft_zeropad_left[0] = 0;
    config.fft_zeropad_right[0] = size / 2;
  }
  config.makeForwardPlanOnly = directions == FftDirections::ForwardOnly ? 1 : 0;
  config.makeInversePlanOnly = directions == FftDirections::InverseOnly ? 1 : 0;
  config.physicalDevice = &m.physicalDevice;
  config.device = &m.device;
  config.queue = &m.queue;
  config.commandPool = &m.pool;
  config.fence = &m.fence;
  config.buffer = &m.buffer;
  config.bufferSize = &m.bufferBytes;
  const std::optional<std::filesystem::path> dir = cacheDir();
  const std::string key = dir ? cacheKey(ctx, config) : std::string();
  const std::optional<std::filesystem::path> file =
      dir ? std::optional(cacheFile(*dir, key)) : std::nullopt;
  std::optional<std::vector<std::uint32_t>> cached = file ? loadKernels(*file, key) : std::nullopt;
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
    if (cached) {
      VkFFTConfiguration load = config;
      load.loadApplicationFromString = 1;
      load.loadApplicationString = cached->data();
      r = initializeVkFFT(&m.app, load);
      if (r != VKFFT_SUCCESS) {
        m.app = {};      // VkFFT released what it had made
        cached.reset();  // compile below, and replace the entry
      }
    }
    if (!cached) {
      VkFFTConfiguration save = config;
      save.saveApplicationToString = file ? 1 : 0;
      r = initializeVkFFT(&m.app, save);
      if (r == VKFFT_SUCCESS && file && m.app.saveApplicationString != nullptr)
        saveKernels(*file, key, m.app.saveApplicationString, m.app.applicationStringSize);
    }
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

void FftPlan::recordForward(const vk::raii::CommandBuffer& commands,
                            vk::DeviceSize offsetBytes) const {
  VKMIX_ASSERT(directions_ != FftDirections::InverseOnly, "this FFT plan is inverse only");
  VKMIX_ASSERT(offsetBytes == 0 || offsetsAtLaunch_, "an offset needs FftRows::offsetsAtLaunch");
  impl_->record(commands, -1, offsetBytes);
}
void FftPlan::recordInverse(const vk::raii::CommandBuffer& commands) const {
  VKMIX_ASSERT(directions_ != FftDirections::ForwardOnly, "this FFT plan is forward only");
  VKMIX_ASSERT(!offsetsAtLaunch_, "inverse transforms at an offset are not offered (fft_plan.hpp)");
  impl_->record(commands, 1, 0);
}

}  // namespace vkmix::gpu
