// The Vulkan context: devices listed, choice by index and name, clear errors, and a validation
// layer that really reports (an injected misuse must be caught, else the fixture proves nothing).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gpu/buffer.hpp"
#include "gpu/compute_pipeline.hpp"
#include "gpu/shaders.hpp"
#include "support/gpu_fixture.hpp"
#include "vkmix/error.hpp"

namespace vkmix::gpu {
namespace {

using test::GpuFixture;
using ::testing::HasSubstr;

TEST_F(GpuFixture, ListsTheDeviceItUses) {
  auto devices = listDevices();
  ASSERT_FALSE(devices.empty());
  bool found = false;
  for (const auto& d : devices) found = found || d.name == context().info().name;
  EXPECT_TRUE(found) << context().info().name;
  EXPECT_TRUE(context().info().hasCompute);
}

TEST_F(GpuFixture, PicksByIndexAndByNameSubstring) {
  Context byIndex({.device = std::to_string(context().info().index), .validation = false});
  EXPECT_EQ(byIndex.info().name, context().info().name);
  std::string part = context().info().name.substr(0, 4);
  for (char& ch : part) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  Context byName({.device = part, .validation = false});  // case-insensitive
  EXPECT_EQ(byName.info().name, context().info().name);
}

TEST_F(GpuFixture, UnknownDeviceIsAClearError) {
  EXPECT_THAT([] { Context c({.device = "no-such-gpu-xyz", .validation = false}); },
              ::testing::ThrowsMessage<GpuError>(HasSubstr("no-such-gpu-xyz")));
  EXPECT_THAT([] { Context c({.device = "99", .validation = false}); },
              ::testing::ThrowsMessage<GpuError>(HasSubstr("see 'vkmix devices'")));
}

TEST_F(GpuFixture, BuffersAreMappedAndSized) {
  Buffer b(context(), 4096, vk::BufferUsageFlagBits::eStorageBuffer);
  ASSERT_NE(b.mapped(), nullptr);
  EXPECT_EQ(b.bytes(), 4096u);
  b.as<float>()[1023] = 1.5f;
  EXPECT_EQ(b.as<float>()[1023], 1.5f);
}

TEST_F(GpuFixture, EmbeddedShaderBuildsAPipeline) {
  auto spirv = shaders::voicesMix();
  ASSERT_GT(spirv.size(), 5u);
  EXPECT_EQ(spirv[0], 0x07230203u) << "SPIR-V magic";
  ComputePipeline p(
      context(),
      {.name = "voices/mix",
       .spirv = spirv,
       .bindings = {vk::DescriptorType::eUniformBuffer, vk::DescriptorType::eUniformTexelBuffer,
                    vk::DescriptorType::eUniformTexelBuffer, vk::DescriptorType::eStorageBuffer},
       .pushConstantBytes = 24,  // mix.comp's Push: six 32-bit fields
       .specialization = {64, 12}});
  EXPECT_TRUE(static_cast<bool>(*p.pipeline()));
}

// Not a GpuFixture test: it makes its own validated context and misuses it on purpose.
TEST(Validation, AnInjectedErrorIsCounted) {
  std::unique_ptr<Context> ctx;
  try {
    ctx = std::make_unique<Context>(ContextOptions{.device = "", .validation = true});
  } catch (const GpuError& e) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") FAIL() << e.what();
    GTEST_SKIP() << e.what();
  }
  EXPECT_EQ(ctx->validationErrorCount(), 0);
  // A buffer of size 0 is invalid usage (VUID-VkBufferCreateInfo-size-00912).
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = 0;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkResult r =
      ctx->device().getDispatcher()->vkCreateBuffer(*ctx->device(), &info, nullptr, &buffer);
  if (r == VK_SUCCESS && buffer != VK_NULL_HANDLE) {
    ctx->device().getDispatcher()->vkDestroyBuffer(*ctx->device(), buffer, nullptr);
  }
  EXPECT_GE(ctx->validationErrorCount(), 1);
  EXPECT_THAT(ctx->validationMessages().front(), HasSubstr("size"));
}

}  // namespace
}  // namespace vkmix::gpu
