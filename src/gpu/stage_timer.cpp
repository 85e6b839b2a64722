#include "gpu/stage_timer.hpp"

#include "core/assert.hpp"
#include "vkmix/error.hpp"

namespace vkmix::gpu {
namespace {

std::uint32_t timestampBits(const Context& ctx) {
  const auto families = ctx.physicalDevice().getQueueFamilyProperties();
  return ctx.queueFamily() < families.size() ? families[ctx.queueFamily()].timestampValidBits : 0;
}

}  // namespace

bool StageTimer::available(const Context& ctx) {
  return timestampBits(ctx) > 0 && ctx.limits().timestampPeriod > 0.0f;
}

StageTimer::StageTimer(const Context& ctx, std::uint32_t marks)
    : marks_(marks),
      periodNs_(static_cast<double>(ctx.limits().timestampPeriod)),
      validMask_(timestampBits(ctx) >= 64 ? ~0ull : (1ull << timestampBits(ctx)) - 1) {
  VKMIX_ASSERT(marks >= 2, "a stage timer needs two marks at least");
  if (!available(ctx)) throw GpuError(ctx.info().name + " writes no timestamps on its queue");
  pool_ =
      ctx.device().createQueryPool({.queryType = vk::QueryType::eTimestamp, .queryCount = marks});
}

void StageTimer::reset(const vk::raii::CommandBuffer& commands) const {
  commands.resetQueryPool(*pool_, 0, marks_);
}

void StageTimer::mark(const vk::raii::CommandBuffer& commands, std::uint32_t index) const {
  VKMIX_ASSERT(index < marks_, "stage timer mark out of range");
  commands.writeTimestamp(vk::PipelineStageFlagBits::eBottomOfPipe, *pool_, index);
}

std::vector<double> StageTimer::stageMilliseconds() const {
  const auto [result, ticks] = pool_.getResults<std::uint64_t>(
      0, marks_, marks_ * sizeof(std::uint64_t), sizeof(std::uint64_t),
      vk::QueryResultFlagBits::e64 | vk::QueryResultFlagBits::eWait);
  if (result != vk::Result::eSuccess)
    throw GpuError("reading timestamps: " + vk::to_string(result));
  std::vector<double> ms;
  for (std::uint32_t i = 0; i + 1 < marks_; ++i) {
    const std::uint64_t d = ((ticks[i + 1] & validMask_) - (ticks[i] & validMask_)) & validMask_;
    ms.push_back(static_cast<double>(d) * periodNs_ * 1e-6);
  }
  return ms;
}

}  // namespace vkmix::gpu
