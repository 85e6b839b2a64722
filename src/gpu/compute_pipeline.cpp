#include "gpu/compute_pipeline.hpp"

#include "vkmix/error.hpp"

namespace vkmix::gpu {

vk::raii::DescriptorSetLayout makeSetLayout(const Context& ctx,
                                            std::span<const vk::DescriptorType> types) {
  std::vector<vk::DescriptorSetLayoutBinding> bindings;
  for (std::uint32_t i = 0; i < types.size(); ++i) {
    bindings.push_back({.binding = i,
                        .descriptorType = types[i],
                        .descriptorCount = 1,
                        .stageFlags = vk::ShaderStageFlagBits::eCompute});
  }
  return ctx.device().createDescriptorSetLayout(
      {.bindingCount = static_cast<std::uint32_t>(bindings.size()), .pBindings = bindings.data()});
}

ComputePipeline::ComputePipeline(const Context& ctx, const PipelineDesc& desc) {
  try {
    setLayout_ = makeSetLayout(ctx, desc.bindings);
    vk::PushConstantRange push{.stageFlags = vk::ShaderStageFlagBits::eCompute,
                               .offset = 0,
                               .size = desc.pushConstantBytes};
    vk::DescriptorSetLayout setLayout = *setLayout_;
    layout_ = ctx.device().createPipelineLayout(
        {.setLayoutCount = 1,
         .pSetLayouts = &setLayout,
         .pushConstantRangeCount = desc.pushConstantBytes > 0 ? 1u : 0u,
         .pPushConstantRanges = &push});
    module_ = ctx.device().createShaderModule(
        {.codeSize = desc.spirv.size_bytes(), .pCode = desc.spirv.data()});

    std::vector<vk::SpecializationMapEntry> entries;
    for (std::uint32_t i = 0; i < desc.specialization.size(); ++i) {
      entries.push_back({.constantID = i, .offset = 4 * i, .size = 4});
    }
    vk::SpecializationInfo spec{.mapEntryCount = static_cast<std::uint32_t>(entries.size()),
                                .pMapEntries = entries.data(),
                                .dataSize = desc.specialization.size() * 4,
                                .pData = desc.specialization.data()};
    vk::ComputePipelineCreateInfo info{.stage = {.stage = vk::ShaderStageFlagBits::eCompute,
                                                 .module = *module_,
                                                 .pName = "main",
                                                 .pSpecializationInfo = &spec},
                                       .layout = *layout_};
    pipeline_ = vk::raii::Pipeline(ctx.device(), nullptr, info);
  } catch (const vk::SystemError& e) {
    throw GpuError("creating pipeline " + desc.name + " on " + ctx.info().name + ": " + e.what());
  }
}

}  // namespace vkmix::gpu
