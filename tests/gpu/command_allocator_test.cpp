// CommandAllocator, as a driver calls it through the pool's callbacks: blocks at the alignment
// asked, their bytes kept by a reallocation (grown or shrunk), freed blocks reused, blocks too
// large or too aligned for the lists served as well (every GPU test records through one).
#include "gpu/command_allocator.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

namespace vkmix::gpu {
namespace {

bool aligned(const void* p, std::size_t alignment) {
  return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

TEST(CommandAllocator, BlocksAreAlignedKeepTheirBytesAndAreReused) {
  CommandAllocator a;
  const vk::AllocationCallbacks& cb = a.callbacks();
  const VkSystemAllocationScope scope = VK_SYSTEM_ALLOCATION_SCOPE_OBJECT;
  std::vector<void*> blocks;
  for (std::size_t size : {1u, 8u, 16u, 17u, 100u, 4096u, 65536u, 65537u, 1u << 20}) {
    for (std::size_t alignment : {1u, 8u, 16u, 64u, 256u}) {
      void* p = cb.pfnAllocation(cb.pUserData, size, alignment, scope);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(aligned(p, alignment)) << size << " at " << alignment;
      std::memset(p, 0x5a, size);
      blocks.push_back(p);
    }
  }
  EXPECT_EQ(std::set<void*>(blocks.begin(), blocks.end()).size(), blocks.size());
  for (void* p : blocks) cb.pfnFree(cb.pUserData, p);
  cb.pfnFree(cb.pUserData, nullptr);  // allowed, does nothing

  // A block freed is what the next allocation of its size gets.
  void* first = cb.pfnAllocation(cb.pUserData, 48, 8, scope);
  cb.pfnFree(cb.pUserData, first);
  EXPECT_EQ(cb.pfnAllocation(cb.pUserData, 48, 8, scope), first);

  // Reallocation keeps the bytes, growing past the block's class or shrinking.
  auto* bytes = static_cast<unsigned char*>(first);
  for (int i = 0; i < 48; ++i) bytes[i] = static_cast<unsigned char>(i);
  auto* grown =
      static_cast<unsigned char*>(cb.pfnReallocation(cb.pUserData, first, 5000, 16, scope));
  ASSERT_NE(grown, nullptr);
  for (int i = 0; i < 48; ++i) ASSERT_EQ(grown[i], i);
  auto* big =
      static_cast<unsigned char*>(cb.pfnReallocation(cb.pUserData, grown, 200000, 16, scope));
  for (int i = 0; i < 48; ++i) ASSERT_EQ(big[i], i);
  auto* shrunk = static_cast<unsigned char*>(cb.pfnReallocation(cb.pUserData, big, 20, 16, scope));
  for (int i = 0; i < 20; ++i) ASSERT_EQ(shrunk[i], i);
  EXPECT_EQ(cb.pfnReallocation(cb.pUserData, shrunk, 0, 16, scope), nullptr);  // a free
  void* fresh = cb.pfnReallocation(cb.pUserData, nullptr, 32, 8, scope);       // an allocation
  EXPECT_NE(fresh, nullptr);
  cb.pfnFree(cb.pUserData, fresh);
}

}  // namespace
}  // namespace vkmix::gpu
