# Writes vmlinux.h for the BPF programs (cmake -P). Strategy (docs/ebpf.md):
#   MODE=auto   : `bpftool btf dump file /sys/kernel/btf/vmlinux format c` from the build
#                 machine's kernel; if that fails (no BTF, no bpftool), the pinned copy.
#   MODE=pinned : the pinned copy bpf/vmlinux/<arch>/vmlinux.h, always (reproducible builds).
# CO-RE relocations make either choice run on any BTF-enabled kernel: the header only has to
# declare the types and fields the programs name.
# Inputs: OUTPUT, MODE, BPFTOOL, BTF, PINNED.
if(MODE STREQUAL "auto" AND BPFTOOL AND EXISTS "${BTF}")
  execute_process(
    COMMAND "${BPFTOOL}" btf dump file "${BTF}" format c
    OUTPUT_FILE "${OUTPUT}.tmp"
    RESULT_VARIABLE result
    ERROR_VARIABLE error)
  if(result EQUAL 0)
    file(SIZE "${OUTPUT}.tmp" size)
    if(size GREATER 100000)
      file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
      message(STATUS "vmlinux.h generated from ${BTF}")
      return()
    endif()
  endif()
  message(WARNING "vmlinux.h: bpftool could not dump ${BTF} (${error}); using ${PINNED}")
  file(REMOVE "${OUTPUT}.tmp")
endif()
if(MODE STREQUAL "auto" AND NOT (BPFTOOL AND EXISTS "${BTF}"))
  message(WARNING "vmlinux.h: no bpftool or no ${BTF} on this machine; using ${PINNED}")
endif()
if(NOT EXISTS "${PINNED}")
  message(FATAL_ERROR "vmlinux.h: no BTF to dump and no pinned copy at ${PINNED}")
endif()
configure_file("${PINNED}" "${OUTPUT}" COPYONLY)
message(STATUS "vmlinux.h copied from ${PINNED}")
