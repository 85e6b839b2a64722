# vkmix_add_shaders(target shaders/voices/mix.comp ...): compiles each GLSL compute shader to SPIR-V
# with glslc at build time and writes it as a comma-separated word list (<name>.spv.inc) that
# src/gpu/shaders.cpp includes into a uint32_t array, so no shader file is looked for at run time.
function(vkmix_add_shaders target)
  foreach(src IN LISTS ARGN)
    get_filename_component(name ${src} NAME_WE)
    set(out ${CMAKE_BINARY_DIR}/shaders/${name}.spv.inc)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/shaders
      COMMAND Vulkan::glslc --target-env=vulkan1.2 -O -mfmt=num
              -I ${PROJECT_SOURCE_DIR}/shaders/common -MD -MF ${out}.d
              -o ${out} ${PROJECT_SOURCE_DIR}/${src}
      DEPENDS ${PROJECT_SOURCE_DIR}/${src}
      DEPFILE ${out}.d
      COMMENT "glslc ${src}"
      VERBATIM)
    target_sources(${target} PRIVATE ${out})
  endforeach()
  target_include_directories(${target} PRIVATE ${CMAKE_BINARY_DIR}/shaders)
endfunction()
