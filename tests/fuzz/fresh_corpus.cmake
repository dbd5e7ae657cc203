# cmake -DSEEDS=dir -DCORPUS=dir -DARTIFACTS=dir -P fresh_corpus.cmake
# Replaces CORPUS with a copy of SEEDS and empties ARTIFACTS, so each fuzz run starts from the
# checked-in seeds and leaves the source tree untouched.
file(REMOVE_RECURSE "${CORPUS}" "${ARTIFACTS}")
file(COPY "${SEEDS}/" DESTINATION "${CORPUS}")
file(MAKE_DIRECTORY "${ARTIFACTS}")
