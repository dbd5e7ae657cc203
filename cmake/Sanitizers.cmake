# PANGUARD_SANITIZE=address -> ASan + UBSan; =thread -> TSan. Applied globally so that the
# libraries and the tests agree on the runtime.
if(PANGUARD_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(PANGUARD_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # Boost.Asio uses atomic_thread_fence, which GCC warns TSan cannot see; our concurrent
    # code does not rely on those fences.
    add_compile_options(-Wno-tsan)
  endif()
  add_link_options(-fsanitize=thread)
elseif(NOT PANGUARD_SANITIZE STREQUAL "")
  message(FATAL_ERROR "PANGUARD_SANITIZE must be '', 'address' or 'thread'")
endif()

if(PANGUARD_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "PANGUARD_FUZZ needs clang (CXX=clang++)")
endif()
