#include "gpu/command_allocator.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace vkmix::gpu {
namespace {

// Every block starts with a header: its class (kLarge: from the system as is) and the bytes it
// holds; the caller's memory follows, 16-byte aligned (or at the alignment asked of a large
// block, the header right before it).
struct alignas(16) Header {
  int sizeClass;
  std::size_t bytes;
  void* raw;  // what the system returned
};
static_assert(sizeof(Header) == 32);
constexpr int kLarge = -1;
constexpr std::size_t kSmallest = 16;

int classOf(std::size_t size) {
  int k = 0;
  for (std::size_t bytes = kSmallest; bytes < size; bytes *= 2) ++k;
  return k;
}

Header* headerOf(void* memory) { return static_cast<Header*>(memory) - 1; }

}  // namespace

CommandAllocator::~CommandAllocator() {
  for (Free* f : free_) {
    while (f != nullptr) {
      Free* next = f->next;
      std::free(headerOf(f)->raw);
      f = next;
    }
  }
}

void* CommandAllocator::allocate(std::size_t size, std::size_t alignment) {
  const int k = classOf(size);
  if (k < kClasses && alignment <= alignof(Header)) {
    {
      std::lock_guard lock(mutex_);
      if (Free* f = free_[static_cast<std::size_t>(k)]) {
        free_[static_cast<std::size_t>(k)] = f->next;
        return f;
      }
    }
    const std::size_t bytes = kSmallest << k;
    void* raw = std::malloc(sizeof(Header) + bytes);
    if (raw == nullptr) return nullptr;
    auto* h = static_cast<Header*>(raw);
    *h = {k, bytes, raw};
    return h + 1;
  }
  // Room for the header before a pointer at the alignment asked.
  const std::size_t align = alignment < alignof(Header) ? alignof(Header) : alignment;
  void* raw = std::malloc(size + align + sizeof(Header));
  if (raw == nullptr) return nullptr;
  const auto at = reinterpret_cast<std::uintptr_t>(raw) + sizeof(Header);
  auto* memory = reinterpret_cast<void*>((at + align - 1) / align * align);
  *headerOf(memory) = {kLarge, size, raw};
  return memory;
}

void* CommandAllocator::reallocate(void* original, std::size_t size, std::size_t alignment) {
  if (original == nullptr) return allocate(size, alignment);
  if (size == 0) {
    release(original);
    return nullptr;
  }
  const Header* h = headerOf(original);
  if (h->sizeClass != kLarge && size <= h->bytes && alignment <= alignof(Header)) return original;
  void* moved = allocate(size, alignment);
  if (moved == nullptr) return nullptr;  // the original stays valid, as Vulkan asks
  std::memcpy(moved, original, h->bytes < size ? h->bytes : size);
  release(original);
  return moved;
}

void CommandAllocator::release(void* memory) {
  if (memory == nullptr) return;
  Header* h = headerOf(memory);
  if (h->sizeClass == kLarge) {
    std::free(h->raw);
    return;
  }
  auto* f = static_cast<Free*>(memory);
  std::lock_guard lock(mutex_);
  f->next = free_[static_cast<std::size_t>(h->sizeClass)];
  free_[static_cast<std::size_t>(h->sizeClass)] = f;
}

}  // namespace vkmix::gpu
