// gpu::ComputePipeline: one compute shader with its descriptor set layout, pipeline layout and
// specialization constants (constant_id 0 is the workgroup size by convention).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>
#include <vulkan/vulkan_raii.hpp>

#include "gpu/context.hpp"

namespace vkmix::gpu {

struct PipelineDesc {
  std::string name;  // for messages: "voices/mix"
  std::span<const std::uint32_t> spirv;
  std::vector<vk::DescriptorType> bindings;  // binding i has type bindings[i]
  std::uint32_t pushConstantBytes = 0;
  std::vector<std::int32_t> specialization;  // constant_id i = specialization[i]
};

// A descriptor set layout with binding i of type types[i], one descriptor each, for compute. Two
// made from the same types are compatible: a set allocated with one binds to a pipeline made
// with the other.
vk::raii::DescriptorSetLayout makeSetLayout(const Context& ctx,
                                            std::span<const vk::DescriptorType> types);

class ComputePipeline {
 public:
  ComputePipeline(const Context& ctx, const PipelineDesc& desc);

  const vk::raii::DescriptorSetLayout& setLayout() const { return setLayout_; }
  const vk::raii::PipelineLayout& layout() const { return layout_; }
  const vk::raii::Pipeline& pipeline() const { return pipeline_; }

 private:
  // Declared in creation order; each dies before what it was made from.
  vk::raii::DescriptorSetLayout setLayout_{nullptr};
  vk::raii::PipelineLayout layout_{nullptr};
  vk::raii::ShaderModule module_{nullptr};
  vk::raii::Pipeline pipeline_{nullptr};
};

}  // namespace vkmix::gpu
