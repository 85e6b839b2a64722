// CommandAllocator: the host memory a command pool's driver allocates through (Vulkan's
// VkAllocationCallbacks), kept for reuse. A CPU device (lavapipe) records every vkCmd* into an
// entry it allocates, and frees them all when the command buffer is reset: thousands of
// malloc/free pairs a chunk on the thread that records, a cost that grows with the graph.
// Here a freed block goes on a list of its size class and the next allocation of that class takes
// it back; blocks are returned to the system when the allocator dies, after the pool.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vulkan/vulkan.hpp>

namespace vkmix::gpu {

class CommandAllocator {
 public:
  CommandAllocator() = default;
  ~CommandAllocator();
  CommandAllocator(const CommandAllocator&) = delete;
  CommandAllocator& operator=(const CommandAllocator&) = delete;

  // The callbacks to hand the pool's creation (and its destruction: vk::raii keeps them).
  const vk::AllocationCallbacks& callbacks() const { return callbacks_; }

  void* allocate(std::size_t size, std::size_t alignment);
  void* reallocate(void* original, std::size_t size, std::size_t alignment);
  void release(void* memory);

 private:
  // Size classes of 2^k bytes, 16 to 64 KiB; larger blocks, or alignments past 16, go to the
  // system each time.
  static constexpr int kClasses = 13;
  struct Free {
    Free* next;
  };
  // The pool is the application's to synchronise, but a driver may allocate on threads of its
  // own: a lock, held for a few instructions (a mutex's calls cost more than the lists' work).
  struct SpinLock {
    std::atomic_flag held = ATOMIC_FLAG_INIT;
    void lock() {
      while (held.test_and_set(std::memory_order_acquire)) std::this_thread::yield();
    }
    void unlock() { held.clear(std::memory_order_release); }
  };
  SpinLock mutex_;
  std::array<Free*, kClasses> free_{};
  vk::AllocationCallbacks callbacks_{
      this,
      [](void* self, std::size_t size, std::size_t alignment, VkSystemAllocationScope) {
        return static_cast<CommandAllocator*>(self)->allocate(size, alignment);
      },
      [](void* self, void* original, std::size_t size, std::size_t alignment,
         VkSystemAllocationScope) {
        return static_cast<CommandAllocator*>(self)->reallocate(original, size, alignment);
      },
      [](void* self, void* memory) { static_cast<CommandAllocator*>(self)->release(memory); }};
};

}  // namespace vkmix::gpu
