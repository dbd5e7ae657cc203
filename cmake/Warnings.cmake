# Applied to every Panguard target through panguard_warnings().
add_library(panguard_warnings INTERFACE)
target_compile_options(panguard_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                   -Wnon-virtual-dtor -Wconversion -Wno-sign-conversion)
if(PANGUARD_WERROR)
  target_compile_options(panguard_warnings INTERFACE -Werror)
endif()
