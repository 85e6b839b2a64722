// CPU time of vkmix's own threads (the block loop, decoders, readers, delivery), apart from the
// Vulkan driver's (lavapipe runs shaders on threads of its own): the render report's
// "hostCpuSeconds", the host's cost per second of audio that a GPU cannot take away.
#pragma once

namespace vkmix {

// Names the calling thread for profilers and /proc ("vkmix-decode"; at most 15 characters).
void nameThisThread(const char* name);

// CPU seconds the calling thread has used.
double threadCpuSeconds();

// Adds the calling thread's CPU time since its last call (or its start) to the process ledger.
// vkmix threads call it after each unit of work, so the ledger is current when a render ends.
void accountThreadCpu();
// Forgets the calling thread's CPU so far (a long-lived thread starting a render).
void restartThreadCpu();
// CPU seconds accounted by vkmix threads in this process.
double accountedCpuSeconds();

}  // namespace vkmix
